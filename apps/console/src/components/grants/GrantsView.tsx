import { useEffect, useState } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { serverNow } from '../../domain/expiry';
import { describeLifetime, describeMatch } from '../../domain/grantText';
import { Icon } from '../Icon';
import { SafeText, safeString } from '../text/SafeText';
import { runInBackground } from '../../domain/runInBackground';

/** Standing grants in our queues: who granted what, in plain words, uses, expiry, and a revoke button. */
export function GrantsView() {
  const { grants: controller } = useServices();
  const [activeOnly, setActiveOnly] = useState(true);
  const grants = useConsoleStore((s) => s.grants);
  const error = useConsoleStore((s) => s.grantsError);
  const loading = useConsoleStore((s) => s.grantsLoading);
  const offset = useConsoleStore((s) => s.serverOffsetMs);
  const myId = useConsoleStore((s) => s.principal?.id ?? null);
  useEffect(() => {
    runInBackground(controller.load(activeOnly));
  }, [controller, activeOnly]);
  const now = serverNow(offset, Date.now());

  return (
    <div className="grants-view">
      <div className="history-head">
        <h1>Grants</h1>
        <label className="grants-toggle">
          <input type="checkbox" checked={activeOnly} onChange={(e) => setActiveOnly(e.target.checked)} /> Active only
        </label>
        <div className="history-actions">
          <button type="button" className="btn btn-ghost" onClick={() => runInBackground(controller.load(activeOnly))}>
            <Icon name="refresh" /> Refresh
          </button>
        </div>
      </div>
      {error && <p className="decision-failed">{error}</p>}
      {grants !== null && grants.length === 0 && !loading && <p className="empty-state">No {activeOnly ? 'active ' : ''}grants in your queues.</p>}
      {grants !== null && grants.length > 0 && (
        <table className="grants-table" aria-label="Grants">
          <thead>
            <tr>
              <th scope="col">Covers</th>
              <th scope="col">Granted by</th>
              <th scope="col">Uses and expiry</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants
              .filter((g) => !activeOnly || g.status === 'active')
              .map((grant) => (
                <tr key={grant.grantId} data-grant-id={grant.grantId}>
                  <td data-label="Covers">
                    <SafeText text={describeMatch(grant.effect, grant.match, grant.queue)} />
                  </td>
                  <td data-label="Granted by">
                    <SafeText text={grant.grantedBy.id === myId ? 'you' : grant.grantedBy.name} />
                  </td>
                  <td data-label="Uses, expiry">{describeLifetime(grant, now)}</td>
                  <td data-label="">
                    {grant.status === 'active' && (
                      <button type="button" className="btn btn-deny" onClick={() => runInBackground(controller.revoke(grant.grantId))} aria-label={`Revoke: ${safeString(describeMatch(grant.effect, grant.match, grant.queue))}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
