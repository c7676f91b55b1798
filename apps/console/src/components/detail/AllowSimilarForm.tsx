import { useState } from 'react';
import { useServices } from '../../app/ConsoleContext';
import { type ArgScope, type GrantFormState, TTL_CHOICES, grantInputOf, initialGrantForm } from '../../domain/grantForm';
import { grantMatchFor } from '@approval-hub/protocol';
import { describeMatch } from '../../domain/grantText';
import type { QueueItem } from '../../domain/queueItem';

/**
 * "Approve & allow similar…": approve this request and let later calls like it through without asking, within the
 * scope chosen here. What the grant will cover is shown in plain words before it is made.
 */
export function AllowSimilarForm({ item, onClose, disabledReason }: { item: QueueItem; onClose: () => void; disabledReason: string | null }) {
  const { decisions } = useServices();
  const record = item.record;
  const [form, setForm] = useState<GrantFormState>(() => initialGrantForm(record));
  const grant = grantInputOf(form);
  const preview = describeMatch('allow', grantMatchFor(record, grant.match), record.queue);
  const ttl = TTL_CHOICES.find((c) => c.ms === form.ttlMs)?.label ?? `${form.ttlMs} ms`;
  const setArg = (key: string, scope: ArgScope) => setForm({ ...form, args: { ...form.args, [key]: scope } });

  return (
    <form
      className="allow-similar"
      aria-label="Allow similar calls"
      onSubmit={(e) => {
        e.preventDefault();
        decisions.approveWithGrant(item.id, grant);
      }}
    >
      {(record.challenges?.length ?? 0) > 0 && (
        <label className="allow-row">
          <input type="checkbox" checked={form.byChallenges} onChange={(e) => setForm({ ...form, byChallenges: e.target.checked })} /> Match on actions and
          resources instead of arguments
        </label>
      )}
      {form.byChallenges ? (
        <>
          <label className="allow-row">
            Actions <input type="text" value={form.actions} onChange={(e) => setForm({ ...form, actions: e.target.value })} />
          </label>
          <label className="allow-row">
            Resources <input type="text" value={form.resources} onChange={(e) => setForm({ ...form, resources: e.target.value })} />
          </label>
        </>
      ) : (
        Object.entries(record.args).map(([key, value]) => {
          const scope = form.args[key] ?? { kind: 'exact' };
          return (
            <fieldset key={key} className="allow-row">
              <legend>{key}</legend>
              <select aria-label={`Scope of ${key}`} value={scope.kind} onChange={(e) => setArg(key, scopeOf(e.target.value, value))}>
                <option value="exact">exactly this value</option>
                <option value="any">any value</option>
                {typeof value === 'string' && <option value="glob">matching a pattern (*)</option>}
                {typeof value === 'number' && <option value="range">within a range</option>}
              </select>
              {scope.kind === 'glob' && <input type="text" aria-label={`Pattern for ${key}`} value={scope.pattern} onChange={(e) => setArg(key, { kind: 'glob', pattern: e.target.value })} />}
              {scope.kind === 'range' && (
                <>
                  <input type="number" aria-label={`At least (${key})`} value={scope.gte} onChange={(e) => setArg(key, { ...scope, gte: e.target.value })} />
                  <input type="number" aria-label={`At most (${key})`} value={scope.lte} onChange={(e) => setArg(key, { ...scope, lte: e.target.value })} />
                </>
              )}
            </fieldset>
          );
        })
      )}
      <label className="allow-row">
        <input type="checkbox" checked={form.anyAgent} onChange={(e) => setForm({ ...form, anyAgent: e.target.checked })} /> From any agent, not only{' '}
        {record.agent.name}
      </label>
      <label className="allow-row">
        For{' '}
        <select aria-label="Grant lifetime" value={form.ttlMs} onChange={(e) => setForm({ ...form, ttlMs: Number(e.target.value) })}>
          {TTL_CHOICES.map((c) => (
            <option key={c.ms} value={c.ms}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label className="allow-row">
        At most <input type="number" min={1} aria-label="Maximum uses" value={form.maxUses} onChange={(e) => setForm({ ...form, maxUses: e.target.value })} /> uses
        (empty: no limit)
      </label>
      <p className="allow-preview" data-testid="grant-preview">
        {preview}, for {ttl}
        {grant.maxUses !== undefined ? `, at most ${grant.maxUses} times` : ''}.
      </p>
      <div className="decision-buttons">
        <button type="submit" className="btn btn-approve" disabled={disabledReason !== null} title={disabledReason ?? undefined}>
          Approve &amp; allow
        </button>
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function scopeOf(kind: string, value: unknown): ArgScope {
  switch (kind) {
    case 'any':
      return { kind: 'any' };
    case 'glob':
      return { kind: 'glob', pattern: typeof value === 'string' ? value : '' };
    case 'range':
      return { kind: 'range', gte: '', lte: typeof value === 'number' ? String(value) : '' };
    default:
      return { kind: 'exact' };
  }
}
