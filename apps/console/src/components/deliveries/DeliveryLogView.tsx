import { DeliveryStatus, type NotificationDelivery } from '@approval-hub/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useServices } from '../../app/ConsoleContext';
import { createDeliveryLogApi } from '../../hub/deliveryLogApi';
import { runInBackground } from '../../domain/runInBackground';

type Filter = DeliveryStatus | 'all';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** Admins: what the hub sent (webhooks, Slack, email), what failed, and a way to send one again. */
export function DeliveryLogView() {
  const { store } = useServices();
  const api = useMemo(() => createDeliveryLogApi(() => store.getState().token), [store]);
  const [filter, setFilter] = useState<Filter>('all');
  const [items, setItems] = useState<NotificationDelivery[]>([]);
  const [phase, setPhase] = useState<'loading' | 'ready' | 'failed'>('loading');
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    setPhase('loading');
    try {
      const page = await api.list({ status: filter === 'all' ? undefined : filter });
      setItems(page.items);
      setPhase('ready');
    } catch (error) {
      setMessage(error instanceof Error ? error.message : 'The delivery log could not be read.');
      setPhase('failed');
    }
  }, [api, filter]);

  useEffect(() => {
    runInBackground(load());
  }, [load]);

  const redeliver = async (id: string) => {
    try {
      const again = await api.redeliver(id);
      setItems((current) => current.map((d) => (d.id === id ? again : d)));
      setMessage(`Delivery ${id} will be sent again now.`);
    } catch (error) {
      setMessage(error instanceof Error ? error.message : 'Redelivery failed.');
    }
  };

  return (
    <div className="history-view">
      <div className="history-main">
        <div className="history-head">
          <h1>Notification deliveries</h1>
          <div className="history-actions">
            <label className="field">
              <span>Status</span>
              <select value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
                <option value="all">All</option>
                {DeliveryStatus.options.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="btn btn-ghost" onClick={() => runInBackground(load())}>
              Refresh
            </button>
          </div>
        </div>
        <p className="muted" aria-live="polite">
          {message}
        </p>
        <div className="history-table-wrap">
          <table className="history-table">
            <caption className="visually-hidden">Notification deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Channel</th>
                <th scope="col">Event</th>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td>{when(d.createdAt)}</td>
                  <td>
                    {d.channel} <span className="muted">({d.kind}{d.target ? ` → ${d.target}` : ''})</span>
                  </td>
                  <td className="mono">{d.event}</td>
                  <td className="mono">{d.requestId}</td>
                  <td>{d.status}</td>
                  <td>{d.attempts}</td>
                  <td>{d.lastError ?? ''}</td>
                  <td>
                    {d.status !== 'pending' && (
                      <button type="button" className="btn btn-ghost" onClick={() => runInBackground(redeliver(d.id))} aria-label={`Redeliver ${d.id}`}>
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="table-foot" aria-live="polite">
            {phase === 'loading' && <p className="muted">Loading…</p>}
            {phase === 'ready' && items.length === 0 && <p className="muted">No deliveries.</p>}
          </div>
        </div>
      </div>
    </div>
  );
}
