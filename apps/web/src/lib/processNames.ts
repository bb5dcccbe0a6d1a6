import { useQuery } from '@tanstack/react-query';
import { api } from './api';

/**
 * A process's name by its key (the latest deployed version's name): empty while the list loads, the
 * key itself only for a process without a name.
 */
export function useProcessName(): (key: string) => string {
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list(), staleTime: 60_000 });
  return (key) => (defs.data ? defs.data.find((d) => d.key === key)?.name || key : '');
}
