/** The new-password step after signing in with a temporary password (zh-CN first, like the login form). */
import { Alert, Button, Form, Input } from 'antd';
import { LockOutlined } from '@ant-design/icons';
import { useT } from '../lib/i18n';

/** The server's password rule: 8+ characters with upper and lower case, a digit and a symbol. */
const STRONG = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{8,}$/;

export function ChangePasswordForm({ busy, onFinish }: { busy: boolean; onFinish: (v: { newPassword: string; confirm: string }) => void }) {
  const t = useT();
  return (
    <Form layout="vertical" onFinish={onFinish} requiredMark={false} size="large" data-testid="change-password-form">
      <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('您正在使用管理员重置的临时密码，请先设置新密码。', 'You signed in with a temporary password; choose a new one first.')} />
      <Form.Item name="newPassword" label={t('新密码', 'New password')} rules={[
        { required: true, message: t('请输入新密码', 'Enter a new password') },
        { pattern: STRONG, message: t('至少 8 位，且包含大写字母、小写字母、数字和符号', 'At least 8 characters with upper and lower case, a digit and a symbol') },
      ]}>
        <Input.Password prefix={<LockOutlined />} autoComplete="new-password" id="new-password" />
      </Form.Item>
      <Form.Item name="confirm" label={t('确认新密码', 'Confirm')} dependencies={['newPassword']} rules={[
        { required: true, message: t('请再次输入新密码', 'Repeat the new password') },
        ({ getFieldValue }) => ({ validator: (_, v) => (v === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('两次输入的密码不一致', 'The passwords differ')))) }),
      ]}>
        <Input.Password prefix={<LockOutlined />} autoComplete="new-password" id="confirm-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="change-password-submit">
        {t('修改密码并登录', 'Change password and sign in')}
      </Button>
    </Form>
  );
}
