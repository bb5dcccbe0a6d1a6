/**
 * Chinese texts of the dmn-js editors (decision table, literal expression, DRD), through their
 * `translate` service: menus and labels, the hit policies with their explanations, and the data
 * type names (the column headers show a column's type through it too).
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
  // Hit policies and what each means (dmn-js HitPolicies).
  Unique: '唯一', First: '首个', Priority: '优先级', Any: '任意', Collect: '汇集', 'Collect (Sum)': '汇集（求和）', 'Collect (Min)': '汇集（最小值）',
  'Collect (Max)': '汇集（最大值）', 'Collect (Count)': '汇集（计数）', 'Rule order': '规则顺序', 'Output order': '结果优先顺序',
  'No overlap is possible and all rules are disjoint. Only a single rule can be matched': '规则互不重叠，只能命中一条规则',
  'Rules may overlap. The first matching rule will be chosen': '规则可以重叠，取第一条命中的规则',
  'Rules may overlap. The one with the highest priority will be chosen': '规则可以重叠，取优先级最高的一条',
  'Rules may overlap. Their output have to match': '规则可以重叠，命中规则的结果必须相同',
  'Collects the values of all matching rules': '汇集所有命中规则的结果',
  'Collects the values of all matching rules and sums up to a single value': '汇集所有命中规则的结果并求和',
  'Collects the values of all matching rules and uses the lowest value': '汇集所有命中规则的结果并取最小值',
  'Collects the values of all matching rules and uses the highest value': '汇集所有命中规则的结果并取最大值',
  'Collects the values of all matching rules and counts the number of them': '统计命中规则的条数',
  'Collects the values of all matching rules in rule order': '按规则顺序汇集所有命中规则的结果',
  'Collects the values of all matching rules in decreasing output priority order': '按结果优先级从高到低汇集所有命中规则的结果',
  // Data types (dmn-js DataTypes).
  string: '文本', boolean: '布尔', number: '数值', date: '日期', time: '时间', dateTime: '日期时间', dayTimeDuration: '时长（日/时）',
  yearMonthDuration: '时长（年/月）',
  // The DRD and the literal expression editor.
  'Activate hand tool': '抓手工具（拖动画布）', 'Activate lasso tool': '套索工具（框选元素）', 'Add parameter': '添加参数', 'Add text annotation': '添加注释',
  'Append business knowledge model': '追加业务知识模型', 'Append decision': '追加决策', 'Append input data': '追加输入数据', 'Append knowledge source': '追加知识来源',
  'Change type': '更改类型', 'Connect to other element': '连接到其他元素', 'Create decision': '新建决策', 'Create input data': '新建输入数据',
  'Create knowledge model': '新建知识模型', 'Create knowledge source': '新建知识来源', 'Definition ID': '定义标识', 'Definition name': '定义名称', Delete: '删除',
  'Edit formal parameters': '编辑形式参数', 'Edit function kind': '编辑函数类型', 'Element name': '元素名称', 'Expression language:': '表达式语言：',
  'Function kind: {kind}': '函数类型：{kind}', Kind: '类型', 'Literal expression': '文字表达式', 'Literal expression editor': '文字表达式编辑器',
  'Remove parameter': '删除参数', 'Variable name': '变量名', 'Variable name:': '变量名：', 'Variable type': '变量类型', 'Variable type:': '变量类型：',
};

/** A dmn-js module replacing its translate service with the Chinese texts above. */
export const dmnChinese = {
  translate: ['value', (template: string, replacements?: Record<string, string>) =>
    (ZH[template] ?? template).replace(/{([^}]+)}/g, (_, key: string) => replacements?.[key] ?? `{${key}}`)],
};
