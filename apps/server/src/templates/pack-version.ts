/** Pack versions are semver: an install may repeat or raise the installed version, never lower it. */
import semver from 'semver';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'template.downgrade': {
    'zh-CN': '不能降级解决方案包 {key}：已安装 v{installed}，此版本为 v{offered}',
    en: 'The {key} pack cannot be downgraded: v{installed} is installed, this is v{offered}',
  },
  'template.bad_version': { 'zh-CN': '解决方案包 {key} 的版本号无效：{version}', en: 'The {key} pack has an invalid version: {version}' },
});

/** Throws 409 `template.downgrade` when `offered` is older than `installed` (null: not installed). */
export function refuseDowngrade(key: string, installed: string | null, offered: string): void {
  if (!semver.valid(offered)) throw new AppError(409, 'template.bad_version', { key, version: offered });
  if (installed !== null && semver.valid(installed) && semver.lt(offered, installed)) {
    throw new AppError(409, 'template.downgrade', { key, installed, offered });
  }
}

/** True when `offered` is older than `installed` (the start-up upgrade skips such a pack rather than downgrade it). */
export function isDowngrade(installed: string, offered: string): boolean {
  return !!semver.valid(installed) && !!semver.valid(offered) && semver.lt(offered, installed);
}
