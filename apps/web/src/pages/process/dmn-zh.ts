/**
 * Chinese texts of the dmn-js decision-table editor, through its `translate` service (the texts it
 * does not pass through translate — such as the hit-policy names — stay as dmn-js writes them).
 */
const ZH: Record<string, string> = {
  'Add cell description': '添加单元格说明', 'Add input column left': '在左侧添加条件列', 'Add input column right': '在右侧添加条件列',
  'Add input': '添加条件', 'Add output column left': '在左侧添加结果列', 'Add output column right': '在右侧添加结果列', 'Add output': '添加结果',
  'Add predefined values': '添加预设值', 'Add rule above': '在上方添加规则', 'Add rule below': '在下方添加规则', 'Add rule': '添加规则', 'Add values': '添加取值',
  After: '晚于', And: '且', Annotation: '备注', Annotations: '备注', Before: '早于', Between: '介于', 'Boolean value': '布尔值',
  'Change cell expression language': '更改单元格表达式语言', 'Clear predefined values': '清除预设值', 'Comparison operator': '比较运算符', Comparison: '比较',
  'Copy input column': '复制条件列', 'Copy output column': '复制结果列', 'Copy rule': '复制规则', 'Custom values': '自定义取值',
  'Cut input column': '剪切条件列', 'Cut output column': '剪切结果列', 'Cut rule': '剪切规则', 'Date and time value': '日期时间值', 'Date and time': '日期时间',
  'Date value': '日期值', Date: '日期', 'Decision name': '决策名称', 'Decision name: ': '决策名称：', 'Duration value': '时长值',
  'Edit boolean': '编辑布尔值', 'Edit date and time': '编辑日期时间', 'Edit date': '编辑日期', 'Edit duration': '编辑时长', 'Edit end date and time': '编辑结束日期时间',
  'Edit end date': '编辑结束日期', 'Edit end time': '编辑结束时间', 'Edit input': '编辑条件', 'Edit number': '编辑数值', 'Edit output': '编辑结果',
  'Edit start date and time': '编辑开始日期时间', 'Edit start date': '编辑开始日期', 'Edit start time': '编辑开始时间', 'Edit string': '编辑文本', 'Edit time': '编辑时间', Edit: '编辑',
  'Editing not supported for set expression language': '该表达式语言不支持可视化编辑', 'End date and time': '结束日期时间', 'End date': '结束日期', 'End time': '结束时间',
  'End value': '结束值', 'Enter expression': '输入表达式', Equals: '等于', Exactly: '正好', Exclude: '排除', 'Expression language': '表达式语言',
  'Expression language: {expressionLanguageLabel}': '表达式语言：{expressionLanguageLabel}', Expression: '表达式', 'Greater or equals': '大于等于', Greater: '大于',
  'Hit policy': '命中策略', 'Hit policy:': '命中策略：', Include: '包含', 'Input expression': '条件表达式', 'Input expression: ': '条件表达式：', 'Input label': '条件名称',
  'Input label: ': '条件名称：', 'Input type': '条件类型', 'Input values': '条件取值', Input: '条件', 'Less or equals': '小于等于', Less: '小于', 'Match none': '不匹配任何值',
  'Match one': '匹配其一', 'Move rule': '移动规则', 'No values': '无取值', No: '否', 'Output label': '结果名称', 'Output label: ': '结果名称：', 'Output name': '结果变量',
  'Output name: ': '结果变量：', 'Output type': '结果类型', 'Output values': '结果取值', Output: '结果', 'Paste input column left': '粘贴条件列到左侧',
  'Paste input column right': '粘贴条件列到右侧', 'Paste output column left': '粘贴结果列到左侧', 'Paste output column right': '粘贴结果列到右侧', 'Paste rule above': '粘贴规则到上方',
  'Paste rule below': '粘贴规则到下方', 'Predefined values': '预设值', 'Range end operator': '区间结束运算符', 'Range end value': '区间结束值', 'Range start operator': '区间开始运算符',
  'Range start value': '区间开始值', Range: '区间', 'Remove cell description': '删除单元格说明', 'Remove input column': '删除条件列', 'Remove output column': '删除结果列',
  'Remove rule': '删除规则', Resize: '调整宽度', 'Set date and time': '设置日期时间', 'Set date': '设置日期', 'Set duration': '设置时长', 'Set time': '设置时间', 'Set value': '设置值',
  'Start date and time': '开始日期时间', 'Start date': '开始日期', 'Start time': '开始时间', 'Start value': '开始值', 'String value': '文本值',
  'Strings must be in double quotes': '文本须用英文双引号括起', 'Test type': '检验方式', Then: '则', 'Time value': '时间值', Time: '时间', Type: '类型', 'Use now': '使用当前时间',
  'Use today': '使用今天', Value: '值', Values: '取值', 'View DRD': '查看决策关系图', When: '当', Yes: '是',
};

/** A dmn-js module replacing its translate service with the Chinese texts above. */
export const dmnChinese = {
  translate: ['value', (template: string, replacements?: Record<string, string>) =>
    (ZH[template] ?? template).replace(/{([^}]+)}/g, (_, key: string) => replacements?.[key] ?? `{${key}}`)],
};
