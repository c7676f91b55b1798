import { useEffect, useRef } from 'react';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { SHORTCUTS } from '../../keyboard/shortcuts';

export function ShortcutsDialog() {
  const { store } = useServices();
  const open = useConsoleStore((s) => s.shortcutsOpen);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog ref={ref} className="shortcuts" aria-labelledby="shortcuts-title" onClose={() => store.getState().setShortcutsOpen(false)}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <p className="muted small">They do nothing while you type in a field, or with Ctrl, ⌘ or Alt held.</p>
      <dl className="shortcut-list">
        {SHORTCUTS.map((s) => (
          <div key={s.key}>
            <dt>
              <kbd>{s.key}</kbd>
            </dt>
            <dd>{s.description}</dd>
          </div>
        ))}
        <div>
          <dt>
            <kbd>Esc</kbd>
          </dt>
          <dd>Close this list, or leave the argument editor</dd>
        </div>
      </dl>
      <form method="dialog">
        <button type="submit" className="btn btn-primary">
          Close
        </button>
      </form>
    </dialog>
  );
}
