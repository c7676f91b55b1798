export type ShortcutAction = 'next' | 'previous' | 'approve' | 'deny' | 'edit' | 'search' | 'help';

export const SHORTCUTS: ReadonlyArray<{ readonly key: string; readonly action: ShortcutAction; readonly description: string }> = [
  { key: 'j', action: 'next', description: 'Next request' },
  { key: 'k', action: 'previous', description: 'Previous request' },
  { key: 'a', action: 'approve', description: 'Approve the selected request' },
  { key: 'd', action: 'deny', description: 'Deny the selected request (with the reason typed, if any)' },
  { key: 'e', action: 'edit', description: 'Edit the arguments, then approve' },
  { key: '/', action: 'search', description: 'Search tool names and arguments' },
  { key: '?', action: 'help', description: 'Show these shortcuts' },
];

const ACTION_BY_KEY = new Map(SHORTCUTS.map((s) => [s.key, s.action]));

/** The parts of a KeyboardEvent the decision needs (so it can be tested without a DOM). */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly isComposing?: boolean;
  readonly repeat?: boolean;
  readonly target: unknown;
}

interface ElementLike {
  readonly tagName?: string;
  readonly isContentEditable?: boolean;
  readonly closest?: (selector: string) => unknown;
}

/** A field the reviewer types into: shortcuts must stay out of its way. */
export function isTypingTarget(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  const element = target as ElementLike;
  const tag = element.tagName?.toUpperCase();
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (element.isContentEditable) return true;
  return typeof element.closest === 'function' && element.closest('[contenteditable]:not([contenteditable="false"])') != null;
}

/**
 * The action for a key press, or null. Never while typing in a field, never with Ctrl, Cmd or Alt
 * (those belong to the browser and the OS), never for auto-repeat of a decision key. Shift is
 * allowed because `?` needs it on most layouts; `A` (shifted) does not match `a`.
 */
export function shortcutFor(press: KeyPress): ShortcutAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey || press.isComposing) return null;
  if (isTypingTarget(press.target)) return null;
  const action = ACTION_BY_KEY.get(press.key) ?? null;
  if (press.repeat && (action === 'approve' || action === 'deny' || action === 'edit')) return null;
  return action;
}

/** What the key guard needs of the selection: who chose the selected request, and when. */
export interface SelectionMoment {
  readonly selectedBy: 'reviewer' | 'console';
  readonly selectedAt: number;
}

export const KEY_HELD_REASON = 'The console moved to this request by itself while the key was down: release it, look, and press again to decide.';

/**
 * A decision key acts on a request the console moved to by itself (the next one after a decision) only with a press
 * that began after the move: a key still down from before (held, or repeating with or without `event.repeat`) never
 * decides it; a key released and pressed again may. `pressStartedAt` is when the current press began (its first
 * keydown after a keyup).
 */
export function keyDecisionBlocked(selection: SelectionMoment, pressStartedAt: number): string | null {
  return selection.selectedBy === 'console' && pressStartedAt < selection.selectedAt ? KEY_HELD_REASON : null;
}
