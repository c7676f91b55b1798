import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useConsoleStore, useServices } from '../../app/ConsoleContext';
import type { Notice, NoticeTone } from '../../store/noticeSlice';
import { Icon, type IconName } from '../Icon';

const ICON: Record<NoticeTone, IconName> = { info: 'info', success: 'check', warning: 'alert', error: 'x' };
const LABEL: Record<NoticeTone, string> = { info: 'Info', success: 'Done', warning: 'Warning', error: 'Error' };
const LIFETIME_MS: Record<NoticeTone, number> = { info: 6_000, success: 5_000, warning: 12_000, error: 20_000 };

function NoticeItem({ notice }: { notice: Notice }) {
  const { store } = useServices();
  useEffect(() => {
    const timer = setTimeout(() => store.getState().dismissNotice(notice.id), LIFETIME_MS[notice.tone]);
    return () => clearTimeout(timer);
  }, [notice.id, notice.tone, store]);
  return (
    <div className={`notice notice-${notice.tone}`}>
      <Icon name={ICON[notice.tone]} className="notice-icon" />
      <p>
        <span className="visually-hidden">{LABEL[notice.tone]}: </span>
        {notice.text}
      </p>
      <button type="button" className="notice-close" aria-label="Dismiss notice" onClick={() => store.getState().dismissNotice(notice.id)}>
        ×
      </button>
    </div>
  );
}

/** Short notices (who decided what, failed decisions) in a polite live region. */
export function NoticeRegion() {
  const notices = useConsoleStore(useShallow((s) => s.notices));
  return (
    // role="log": a named live region (a plain div may not carry aria-label; axe: aria-prohibited-attr).
    <div className="notices" role="log" aria-live="polite" aria-relevant="additions text" aria-label="Notices">
      {notices.map((notice) => (
        <NoticeItem key={notice.id} notice={notice} />
      ))}
    </div>
  );
}
