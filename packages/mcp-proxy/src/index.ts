export { createApprovalProxy, APPROVAL_STATUS_TOOL } from './approval-proxy.js';
export type { ApprovalProxy, ApprovalProxyOptions, OpenUpstream } from './approval-proxy.js';
export { toolNeedsApproval } from './approval-policy.js';
export { proxySettings, ProxyConfigFile, RequireApproval, ClientTimeoutMode, ToolOverride } from './proxy-settings.js';
export type { ProxySettings } from './proxy-settings.js';
export { createPermissionPromptServer, PERMISSION_PROMPT_TOOL, PermissionPromptInput } from './permission-prompt.js';
export type { PermissionDecision, PermissionPromptOptions } from './permission-prompt.js';
export { connectUpstream, upstreamCapabilitiesFor } from './upstream.js';
export type { UpstreamTarget } from './upstream.js';
export { listenMcpHttp, UnsafeListenerError } from './http-listener.js';
export type { McpHttpListener, McpHttpListenerOptions } from './http-listener.js';
export { defaultAccess } from './listener-guard.js';
export type { ListenerAccess } from './listener-guard.js';
export { canonicalJson, approvalRequestId } from './request-id.js';
// The agent SDK is bundled into this package (it installs alone): make the hub client with this connectHub, so the
// proxy recognises the client's errors (HubError, ClientClosedError) as its own classes.
export { connectHub } from '@approval-hub/agent-sdk';
