import { useSecondsLeft } from '../../clock/useServerClock';
import { URGENT_MS, formatDuration } from '../../domain/expiry';
import { Icon } from '../Icon';

const URGENT_SECONDS = URGENT_MS / 1000;

/** Time left by the hub's clock. Urgent and expired say so in words and an icon, not only in colour. */
export function Countdown({ expiresMs, id, large = false }: { expiresMs: number; id?: string; large?: boolean }) {
  const seconds = useSecondsLeft(expiresMs);
  const phase = seconds === 0 ? 'expired' : seconds <= URGENT_SECONDS ? 'urgent' : 'normal';
  return (
    <span id={id} className={`countdown countdown-${phase}${large ? ' countdown-large' : ''}`}>
      {phase === 'expired' ? (
        <>
          <Icon name="ban" />
          Expired
        </>
      ) : (
        <>
          <Icon name={phase === 'urgent' ? 'alert' : 'clock'} />
          {phase === 'urgent' && <span className="visually-hidden">Urgent: </span>}
          {formatDuration(seconds)} left
        </>
      )}
    </span>
  );
}
