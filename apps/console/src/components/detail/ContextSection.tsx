import type { ApprovalRecord } from '@approval-hub/protocol';
import { SafeText } from '../text/SafeText';
import { MarkdownText } from './MarkdownText';

const ROLE: Record<string, string> = { user: 'User', assistant: 'Agent', tool: 'Tool result', system: 'System' };

/** Why the agent asks: its rationale (Markdown, rendered safely) and the last turns of the conversation. */
export function ContextSection({ record }: { record: ApprovalRecord }) {
  const context = record.context;
  if (!context?.rationale && !context?.turns?.length) return null;
  return (
    <section className="detail-section context" aria-label="Why the agent asks">
      <h3>Why the agent asks</h3>
      {context.rationale ? <MarkdownText source={context.rationale} /> : <p className="muted">No rationale given.</p>}
      {context.turns && context.turns.length > 0 && (
        <details className="context-turns">
          <summary>Recent conversation ({context.turns.length} {context.turns.length === 1 ? 'turn' : 'turns'})</summary>
          <ol>
            {context.turns.map((turn, i) => (
              <li key={i} className={`turn turn-${turn.role}`}>
                <span className="turn-role">{ROLE[turn.role] ?? turn.role}</span>
                <p className="turn-text">
                  <SafeText text={turn.content} />
                </p>
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
