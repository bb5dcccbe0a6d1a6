/** A background job (`202 { jobId }`) polled every second until it is done or failed, with its percentage. */
import { useQuery } from '@tanstack/react-query';
import type { JobView } from '@crm/shared';
import { api } from './api';

export function useJob(jobId: string): { job: JobView | undefined; percent: number } {
  const q = useQuery({
    queryKey: ['jobs', jobId],
    queryFn: () => api.jobs.get(jobId),
    refetchInterval: (s) => (s.state.data && ['done', 'failed'].includes(s.state.data.status) ? false : 1000),
  });
  const j = q.data;
  const percent = !j ? 0 : j.progress.total ? Math.floor((j.progress.done / j.progress.total) * 100) : j.status === 'done' ? 100 : 0;
  return { job: j, percent };
}
