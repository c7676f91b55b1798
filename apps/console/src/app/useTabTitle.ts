import { useEffect } from 'react';
import { useConsoleStore } from './ConsoleContext';

/** `(12) Approval Hub`: the pending count in the tab title. */
export function useTabTitle(): void {
  const count = useConsoleStore((s) => s.items.size);
  const connected = useConsoleStore((s) => s.connection === 'connected');
  useEffect(() => {
    document.title = `${count > 0 ? `(${count.toLocaleString()}) ` : ''}${connected ? '' : '⚠ '}Approval Hub`;
  }, [count, connected]);
}
