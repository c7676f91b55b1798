import type { ApprovalRecord, SuspiciousFinding } from '@approval-hub/protocol';
import { SafeText } from '../text/SafeText';

const KIND: Record<SuspiciousFinding['kind'], string> = {
  bidi_control: 'bidirectional control characters (they reorder how text is shown)',
  invisible: 'invisible characters',
  control: 'control characters',
  mixed_script: 'letters from different scripts in one word (look-alikes)',
};

function describe(finding: SuspiciousFinding): string {
  if (finding.kind === 'mixed_script') return `${KIND.mixed_script}: ${finding.scripts?.join(' + ') ?? ''}${finding.token ? ` in ${finding.token}` : ''}`;
  return `${KIND[finding.kind]}: ${finding.codePoints?.join(', ') ?? ''}`;
}

/** The hub's findings, as it stored them on arrival: the same warning in every console. */
export function SuspiciousWarning({ record }: { record: ApprovalRecord }) {
  const findings = record.suspicious ?? [];
  if (findings.length === 0) return null;
  return (
    <section className="suspicious" role="alert" aria-label="Suspicious text">
      <h3>
        <span aria-hidden="true">⚠ </span>Suspicious text in this request
      </h3>
      <p className="small">
        The agent’s text contains characters that can make it look different from what it is. They are shown as markers such as{' '}
        <mark className="escaped">⟨U+202E⟩</mark> wherever they occur.
      </p>
      <ul>
        {findings.map((f, i) => (
          <li key={i}>
            <code>
              <SafeText text={f.field} />
            </code>
            : <SafeText text={describe(f)} />
          </li>
        ))}
      </ul>
    </section>
  );
}
