import { useEffect, useRef, useState } from 'react';
import { useServices } from '../../app/ConsoleContext';
import { messageOf } from '../../hub/historyController';
import { type ExportFormat, downloadBlob, exportBlob, exportFileName, fetchAllApprovals } from '../../hub/historyExport';
import { runInBackground } from '../../domain/runInBackground';

/** Export the current filter: every page fetched, one Blob, downloaded. */
export function ExportButtons() {
  const { store, api } = useServices();
  const [progress, setProgress] = useState<{ format: ExportFormat; count: number } | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async (format: ExportFormat) => {
    const controller = new AbortController();
    abort.current = controller;
    const filter = store.getState().historyFilter;
    setProgress({ format, count: 0 });
    try {
      const { records, complete } = await fetchAllApprovals(api, filter, (count) => setProgress({ format, count }), controller.signal);
      downloadBlob(exportBlob(records, format), exportFileName(filter, format, new Date()));
      store
        .getState()
        .pushNotice(complete ? 'success' : 'warning', `Exported ${records.length.toLocaleString()} requests as ${format.toUpperCase()}${complete ? '' : ' (stopped at the size limit)'}.`);
    } catch (error) {
      if (!controller.signal.aborted) store.getState().pushNotice('error', `Export failed: ${messageOf(error)}`);
    } finally {
      setProgress(null);
    }
  };

  return (
    <div className="export">
      <button type="button" className="btn" disabled={progress !== null} onClick={() => runInBackground(run('csv'))}>
        Export CSV
      </button>
      <button type="button" className="btn" disabled={progress !== null} onClick={() => runInBackground(run('json'))}>
        Export JSON
      </button>
      {progress && (
        <span className="muted small" aria-live="polite">
          Exporting {progress.format.toUpperCase()}… {progress.count.toLocaleString()} rows
          <button type="button" className="btn btn-small btn-ghost" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        </span>
      )}
    </div>
  );
}
