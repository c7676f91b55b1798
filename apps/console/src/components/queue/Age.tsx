import { useAge } from '../../clock/useServerClock';

export function Age({ createdMs }: { createdMs: number }) {
  const age = useAge(createdMs);
  return <span className="age">{age} ago</span>;
}
