/**
 * 提交后发起流程: the form designer's choice of the deployed process a submission of this form starts
 * (a form trigger); the submitted record is the process's business data.
 */
import { App, Select, Space, Typography } from 'antd';
import { ThunderboltOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { useT } from '../../../lib/i18n';

export function FormProcessBinding({ formKey }: { formKey: string }) {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const triggers = useQuery({ queryKey: ['process-triggers'], queryFn: () => api.triggers.list() });
  const processes = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const mine = (triggers.data ?? []).filter((x) => 'formKey' in x && x.formKey === formKey);
  const bind = useMutation({
    mutationFn: async (processKey: string | undefined) => {
      if (processKey) await api.triggers.create({ processKey, formKey, on: 'submitted' });
      for (const old of mine) await api.triggers.delete(old.id);
    },
    onSuccess: (_, processKey) => {
      void qc.invalidateQueries({ queryKey: ['process-triggers'] });
      message.success(processKey ? t('已设置：提交表单后发起该流程', 'Set: a submission starts the process') : t('已取消：提交表单不再发起流程', 'Cleared: a submission starts no process'));
    },
    onError: (e) => message.error((e as Error).message),
  });
  return (
    <Space style={{ margin: '0 0 8px' }} data-testid="form-process">
      <Typography.Text><ThunderboltOutlined /> {t('提交后发起流程', 'On submit, start')}</Typography.Text>
      <Select allowClear showSearch optionFilterProp="label" style={{ width: 260 }} size="small" data-testid="form-process-select"
        placeholder={t('不发起流程', 'No process')} loading={triggers.isLoading || processes.isLoading || bind.isPending} disabled={bind.isPending}
        value={mine[0]?.processKey} onChange={(v?: string) => bind.mutate(v)}
        options={(processes.data ?? []).map((d) => ({ value: d.key, label: d.name || d.key }))} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('提交的记录作为流程的业务数据', 'The submitted record is the process\'s business data')}</Typography.Text>
    </Space>
  );
}
