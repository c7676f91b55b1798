import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import { primeSound } from '../../app/arrivalNotifier';
import { Icon } from '../Icon';
import { runInBackground } from '../../domain/runInBackground';

/** Opt-in sound and desktop notification for new requests. */
export function NotifySettings() {
  const { store } = useServices();
  const desktop = useConsoleStore((s) => s.desktopNotify);
  const sound = useConsoleStore((s) => s.soundNotify);
  const supported = typeof Notification !== 'undefined';

  const toggleDesktop = async (on: boolean) => {
    if (!on) return store.getState().setDesktopNotify(false);
    if (!supported) return;
    const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    if (permission === 'granted') store.getState().setDesktopNotify(true);
    else store.getState().pushNotice('warning', 'The browser blocked notifications for this page. Allow them in the site settings to use this.');
  };

  return (
    <details className="notify-settings">
      <summary className="btn btn-ghost">
        <Icon name="bell" />
        Alerts
      </summary>
      <div className="popover">
        <p className="popover-title">For new requests</p>
        <label className="check">
          <input type="checkbox" checked={sound} onChange={(e) => {
              store.getState().setSoundNotify(e.target.checked);
              if (e.target.checked) primeSound();
            }} />
          Play a sound
        </label>
        <label className="check">
          <input type="checkbox" checked={desktop} disabled={!supported} onChange={(e) => runInBackground(toggleDesktop(e.target.checked))} />
          Desktop notification when this tab is in the background
        </label>
      </div>
    </details>
  );
}
