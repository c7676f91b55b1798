import type { ApprovalRecord } from '@approval-hub/protocol';
import { SafeText } from '../text/SafeText';

/**
 * Who the call is for and what it does, as the agent states them: `onBehalfOf` and the ADK-style challenges (actions
 * on resources). Agent text, so shown with spoofing markers, and literally: a `*` here is a character, not "anyone".
 */
export function CallScope({ record }: { record: ApprovalRecord }) {
  const challenges = record.challenges ?? [];
  if (record.onBehalfOf === undefined && challenges.length === 0) return null;
  return (
    <section className="detail-section call-scope" aria-label="On behalf of and challenges">
      <h3>Who it is for and what it does</h3>
      <dl className="meta meta-compact">
        {record.onBehalfOf !== undefined && (
          <div className="meta-wide">
            <dt>On behalf of</dt>
            <dd className="mono break" data-testid="on-behalf-of">
              “<SafeText text={record.onBehalfOf} />” <span className="muted small">(as the agent states it)</span>
            </dd>
          </div>
        )}
        {challenges.length > 0 && (
          <div className="meta-wide">
            <dt>Challenges (actions on resources)</dt>
            <dd>
              <ul className="challenge-list" data-testid="challenges">
                {challenges.map((c, i) => (
                  <li key={i}>
                    {c.actions.map((a, j) => (
                      <code key={j} className="challenge-value">
                        <SafeText text={a} />
                      </code>
                    ))}{' '}
                    on{' '}
                    {c.resources.length === 0 ? (
                      <span className="muted">no resources</span>
                    ) : (
                      c.resources.map((r, j) => (
                        <code key={j} className="challenge-value">
                          <SafeText text={r} />
                        </code>
                      ))
                    )}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
      </dl>
    </section>
  );
}
