/** Choosing a new password: after signing in with a temporary one, or from the user menu (zh-CN first, like the login form). */
import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal } from 'antd';
import { LockOutlined } from '@ant-design/icons';
import { ApiError } from '@crm/shared';
import { api, useAuth } from '../lib/api';
import { useT } from '../lib/i18n';

/** The server's password rule: 8+ characters with upper and lower case, a digit and a symbol. */
const STRONG = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{8,}$/;

interface Values {
  currentPassword?: string;
  newPassword: string;
  confirm: string;
}

/** The new-password fields; `askCurrent` adds the current password (the user menu), otherwise the temporary-password notice. */
export function ChangePasswordForm({ busy, onFinish, askCurrent, error }: { busy: boolean; onFinish: (v: Values) => void; askCurrent?: boolean; error?: string | null }) {
  const t = useT();
  return (
    <Form layout="vertical" onFinish={onFinish} requiredMark={false} size="large" data-testid="change-password-form">
      {!askCurrent && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('您正在使用管理员重置的临时密码，请先设置新密码。', 'You signed in with a temporary password; choose a new one first.')} />}
      {error && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={error} data-testid="change-password-error" />}
      {askCurrent && (
        <Form.Item name="currentPassword" label={t('当前密码', 'Current password')} rules={[{ required: true, message: t('请输入当前密码', 'Enter your current password') }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" id="current-password" />
        </Form.Item>
      )}
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
        {askCurrent ? t('修改密码', 'Change password') : t('修改密码并登录', 'Change password and sign in')}
      </Button>
    </Form>
  );
}

/** 修改密码 from the user menu: the server ends every other session and API key of the user; this browser continues. */
export function ChangeOwnPasswordModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const finish = async (v: Values) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api.changePassword({ currentPassword: v.currentPassword ?? '', newPassword: v.newPassword });
      const { user } = useAuth.getState();
      if (user) useAuth.getState().signIn(res.accessToken, user, res.expiresAt);
      message.success(t('密码已修改；其他设备上的登录和您的 API 密钥已失效', 'Password changed; your other sessions and API keys no longer work'));
      onClose();
    } catch (e) {
      setError(e instanceof ApiError && e.status !== 0 ? e.message : t('无法连接服务器，请稍后再试', 'Cannot reach the server; try again'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={t('修改密码', 'Change password')} footer={null} onCancel={onClose} destroyOnHidden>
      <ChangePasswordForm askCurrent busy={busy} onFinish={finish} error={error} />
    </Modal>
  );
}
