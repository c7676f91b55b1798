import { grantMatchFor, type JsonValue } from '@approval-hub/protocol';
import { useState } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { type ArgScope, type GrantFormState, type ListScope, TTL_CHOICES, grantInputOf, initialGrantForm, ownChallenges } from '../../domain/grantForm';
import { describeMatch } from '../../domain/grantText';
import type { QueueItem } from '../../domain/queueItem';
import { SafeText } from '../text/SafeText';
import { ConfirmCritical } from './ConfirmCritical';

const shown = (value: JsonValue) => (typeof value === 'string' ? `“${value}”` : JSON.stringify(value));

/**
 * "Approve & allow similar…": approve this request and let later calls like it through without asking, within the
 * scope chosen here, in one call (both or neither). Every field starts as the request's own value, matched literally;
 * widening to "any" or to a pattern is the reviewer's choice, and a pattern is only ever what the reviewer typed.
 * High risk confirms on this form's own button (a second press); critical risk asks for the tool name here.
 */
export function AllowSimilarForm({ item, onClose, blocker, settling }: { item: QueueItem; onClose: () => void; blocker: string | null; settling: boolean }) {
  const { decisions, store } = useServices();
  const record = item.record;
  const [form, setForm] = useState<GrantFormState>(() => initialGrantForm(record));
  const confirming = useConsoleStore((s) => (s.confirming?.requestId === item.id && s.confirming.action === 'grant' ? s.confirming.level : null));
  const { grant, problem, literal } = grantInputOf(form, record);
  const ttl = TTL_CHOICES.find((c) => c.ms === form.ttlMs)?.label ?? `${form.ttlMs} ms`;
  const scope = `${describeMatch('allow', grantMatchFor(record, grant.match), record.queue, literal)}, for ${ttl}${grant.maxUses !== undefined ? `, at most ${grant.maxUses} times` : ''}`;
  const setArg = (key: string, argScope: ArgScope) => setForm({ ...form, args: { ...form.args, [key]: argScope } });
  const own = ownChallenges(record);
  const blockedBy = blocker ?? problem;
  const submit = (typedName?: string) => decisions.approveWithGrant(item.id, grant, scope, typedName);

  return (
    <form
      className="allow-similar"
      aria-label="Allow similar calls"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
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
          <ListRow name="Actions" own={own.actions} scope={form.actions} onChange={(actions) => setForm({ ...form, actions })} />
          <ListRow name="Resources" own={own.resources} scope={form.resources} onChange={(resources) => setForm({ ...form, resources })} />
        </>
      ) : (
        Object.entries(record.args).map(([key, value]) => {
          const argScope = form.args[key] ?? { kind: 'exact' };
          return (
            <fieldset key={key} className="allow-row">
              <legend>
                <SafeText text={key} />
              </legend>
              <select aria-label={`Scope of ${key}`} value={argScope.kind} onChange={(e) => setArg(key, scopeOf(e.target.value, value))}>
                <option value="exact">exactly this value</option>
                <option value="any">any value</option>
                {typeof value === 'string' && <option value="glob">matching a pattern I type (*)</option>}
                {typeof value === 'number' && <option value="range">within a range</option>}
              </select>
              {argScope.kind === 'exact' && (
                <code className="allow-exact">
                  <SafeText text={shown(value)} />
                </code>
              )}
              {argScope.kind === 'glob' && (
                <input
                  type="text"
                  aria-label={`Pattern for ${key}`}
                  placeholder="e.g. /reports/*"
                  value={argScope.pattern}
                  onChange={(e) => setArg(key, { kind: 'glob', pattern: e.target.value })}
                />
              )}
              {argScope.kind === 'range' && (
                <>
                  <input type="number" aria-label={`At least (${key})`} value={argScope.gte} onChange={(e) => setArg(key, { ...argScope, gte: e.target.value })} />
                  <input type="number" aria-label={`At most (${key})`} value={argScope.lte} onChange={(e) => setArg(key, { ...argScope, lte: e.target.value })} />
                </>
              )}
            </fieldset>
          );
        })
      )}
      {record.onBehalfOf !== undefined && (
        <fieldset className="allow-row">
          <legend>On behalf of</legend>
          <select
            aria-label="Scope of the end user"
            value={form.onBehalfOf.kind}
            onChange={(e) => setForm({ ...form, onBehalfOf: e.target.value === 'anyone' ? { kind: 'anyone' } : e.target.value === 'pattern' ? { kind: 'pattern', pattern: '' } : { kind: 'exact' } })}
          >
            <option value="exact">exactly this end user</option>
            <option value="anyone">anyone</option>
            <option value="pattern">matching a pattern I type (*)</option>
          </select>
          {form.onBehalfOf.kind === 'exact' && (
            <code className="allow-exact">
              “<SafeText text={record.onBehalfOf} />”
            </code>
          )}
          {form.onBehalfOf.kind === 'pattern' && (
            <input
              type="text"
              aria-label="Pattern for the end user"
              value={form.onBehalfOf.pattern}
              onChange={(e) => setForm({ ...form, onBehalfOf: { kind: 'pattern', pattern: e.target.value } })}
            />
          )}
        </fieldset>
      )}
      <label className="allow-row">
        <input type="checkbox" checked={form.anyAgent} onChange={(e) => setForm({ ...form, anyAgent: e.target.checked })} /> From any agent, not only{' '}
        <SafeText text={record.agent.name} />
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
        <SafeText text={`${scope}.`} />
      </p>
      {confirming === 'critical' && blocker === null && <ConfirmCritical item={item} confirmLabel="Approve critical request & allow similar" onConfirm={(typed) => submit(typed)} />}
      <div className="decision-buttons">
        <button
          type="submit"
          className={`btn btn-approve${confirming === 'high' ? ' btn-armed' : ''}`}
          disabled={blockedBy !== null || confirming === 'critical'}
          aria-disabled={settling || undefined}
          title={blockedBy ?? undefined}
        >
          {confirming === 'high' ? 'Confirm: approve & allow similar' : 'Approve & allow'}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => {
            if (confirming) store.getState().cancelConfirmation();
            onClose();
          }}
        >
          Cancel
        </button>
      </div>
      {(problem || confirming === 'high') && (
        <p className={`decision-status${confirming === 'high' ? ' decision-confirm' : ' decision-failed'}`} aria-live="polite">
          {confirming === 'high' ? 'High risk: press “Confirm: approve & allow similar” to approve with this grant, or Cancel.' : problem}
        </p>
      )}
    </form>
  );
}

/** Challenge actions or resources: the request's own, shown literally, or patterns the reviewer types. */
function ListRow({ name, own, scope, onChange }: { name: string; own: readonly string[]; scope: ListScope; onChange: (scope: ListScope) => void }) {
  return (
    <fieldset className="allow-row">
      <legend>{name}</legend>
      <select aria-label={`Scope of ${name.toLowerCase()}`} value={scope.kind} onChange={(e) => onChange(e.target.value === 'pattern' ? { kind: 'pattern', text: '' } : { kind: 'exact' })}>
        <option value="exact">exactly this request’s</option>
        <option value="pattern">patterns I type (*)</option>
      </select>
      {scope.kind === 'exact' ? (
        <span className="allow-exact">
          {own.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            own.map((v, i) => (
              <code key={i} className="challenge-value">
                <SafeText text={v} />
              </code>
            ))
          )}
        </span>
      ) : (
        <input type="text" aria-label={`${name} patterns`} placeholder="comma-separated, e.g. tool:local_file:*" value={scope.text} onChange={(e) => onChange({ kind: 'pattern', text: e.target.value })} />
      )}
    </fieldset>
  );
}

function scopeOf(kind: string, value: unknown): ArgScope {
  switch (kind) {
    case 'any':
      return { kind: 'any' };
    case 'glob':
      return { kind: 'glob', pattern: '' };
    case 'range':
      return { kind: 'range', gte: '', lte: typeof value === 'number' ? String(value) : '' };
    default:
      return { kind: 'exact' };
  }
}
