/** Decision tables (DMN): the latest version of each, to open in the editor or start a new one. */
import { Button, Card, Table, Tag } from 'antd';
import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import dayjs from 'dayjs';
import type { DecisionDefinition } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

export function DecisionListPage() {
  const t = useT();
  const nav = useNavigate();
  const defs = useQuery({ queryKey: ['decision-definitions'], queryFn: () => api.decisions.list() });
  return (
    <div>
      <PageHeader
        title={t('决策表', 'Decision tables')}
        sub={t('用 DMN 决策表配置业务规则（如风险等级、费率、审批额度），流程中的业务规则任务直接引用。', 'Business rules as DMN decision tables (risk levels, fees, approval limits), used by business-rule tasks of processes.')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => nav('/design/decisions/new')} data-testid="new-decision">{t('新建决策表', 'New decision table')}</Button>}
      />
      <ErrorAlert error={defs.error} />
      <Card>
        <Table<DecisionDefinition>
          rowKey="key"
          loading={defs.isLoading}
          dataSource={defs.data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          scroll={{ x: 'max-content' }}
          columns={[
            { title: t('名称', 'Name'), render: (_, d) => <Link to={`/design/decisions/${encodeURIComponent(d.key)}`}>{d.name || d.key}</Link> },
            { title: t('标识', 'Key'), dataIndex: 'key', render: (k: string) => <code>{k}</code> },
            { title: t('版本', 'Version'), dataIndex: 'version', render: (v: number) => <Tag color="blue">v{v}</Tag> },
            { title: t('部署时间', 'Deployed'), dataIndex: 'deployedAt', render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm') },
            { title: t('操作', 'Actions'), render: (_, d) => <Button size="small" icon={<EditOutlined />} onClick={() => nav(`/design/decisions/${encodeURIComponent(d.key)}`)}>{t('编辑', 'Edit')}</Button> },
          ]}
        />
      </Card>
    </div>
  );
}
