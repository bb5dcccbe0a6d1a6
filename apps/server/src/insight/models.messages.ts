import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'models.invalid': { 'zh-CN': '模型定义无效', en: 'The model is not valid' },
  'models.not_found': { 'zh-CN': '模型不存在：{model}', en: 'No such model: {model}' },
  'models.exists': { 'zh-CN': '模型已存在：{model}', en: 'The model already exists: {model}' },
  'models.not_trained': { 'zh-CN': '模型尚未训练：{model}', en: 'The model has not been trained yet: {model}' },
  'models.no_score_field': { 'zh-CN': '模型未设置评分字段：{model}', en: 'The model has no score field: {model}' },
  'models.too_few_labels': {
    'zh-CN': '可用于训练的记录不足：需要正负样本各至少 {min} 条（现有正样本 {positives}、负样本 {negatives}）',
    en: 'Too few labelled records to train: at least {min} of each class are needed ({positives} positive, {negatives} negative)',
  },
  'models.too_many_rows': { 'zh-CN': '记录数超过训练上限 {max}', en: 'More records than the training limit of {max}' },
  'models.record_not_found': { 'zh-CN': '记录不存在或无权查看', en: 'No such record, or you may not read it' },
});

/** A 400 naming one problem of a model definition, in both languages. */
export function modelProblem(path: string, code: string, message: { 'zh-CN': string; en: string }): AppError {
  return new AppError(400, 'models.invalid', {}, (lang) => [{ path, code, message: message[lang] }]);
}
