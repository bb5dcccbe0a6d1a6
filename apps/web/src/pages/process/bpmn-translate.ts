/**
 * Chinese for bpmn-js (palette tooltips, context pad, replace menu): a `translate` module in place of
 * the built-in one, following the interface language; a text without a translation stays as it is,
 * with its `{placeholders}` filled.
 */
import { currentLang } from '../../lib/i18n';

const ZH: Record<string, string> = {
  'Activate hand tool': '抓手工具（拖动画布）',
  'Activate lasso tool': '套索工具（框选元素）',
  'Activate create/remove space tool': '插入/删除空白区域',
  'Activate global connect tool': '连线工具',
  'Create start event': '开始事件',
  'Create intermediate/boundary event': '中间事件/边界事件',
  'Create end event': '结束事件',
  'Create gateway': '网关（条件分支）',
  'Create task': '任务',
  'Create expanded sub-process': '子流程',
  'Create data object reference': '数据对象',
  'Create data store reference': '数据存储',
  'Create pool/participant': '泳池/参与者',
  'Create group': '分组',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append task': '追加任务',
  'Append intermediate/boundary event': '追加中间事件',
  'Append receive task': '追加接收任务',
  'Append message intermediate catch event': '追加消息捕获事件',
  'Append timer intermediate catch event': '追加定时事件',
  'Append conditional intermediate catch event': '追加条件事件',
  'Append signal intermediate catch event': '追加信号捕获事件',
  'Append compensation activity': '追加补偿活动',
  'Add text annotation': '添加注释',
  'Add lane above': '在上方添加泳道',
  'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '分成两条泳道',
  'Divide into three lanes': '分成三条泳道',
  'Change element': '更改元素类型',
  'Connect to other element': '连接到其他元素',
  'Connect using association': '用关联连接',
  'Connect using data input association': '用数据输入关联连接',
  Delete: '删除',
  'Start event': '开始事件',
  'End event': '结束事件',
  'Terminate end event': '终止结束事件',
  'Message start event': '消息开始事件',
  'Timer start event': '定时开始事件',
  'Signal start event': '信号开始事件',
  'Conditional start event': '条件开始事件',
  'Intermediate throw event': '中间抛出事件',
  'Message intermediate catch event': '消息捕获事件',
  'Message intermediate throw event': '消息抛出事件',
  'Timer intermediate catch event': '定时捕获事件',
  'Signal intermediate catch event': '信号捕获事件',
  'Signal intermediate throw event': '信号抛出事件',
  'Message end event': '消息结束事件',
  'Error end event': '错误结束事件',
  'Signal end event': '信号结束事件',
  'Timer boundary event': '定时边界事件',
  'Timer boundary event (non-interrupting)': '定时边界事件（不中断）',
  'Message boundary event': '消息边界事件',
  'Error boundary event': '错误边界事件',
  Task: '任务',
  'User task': '人工任务',
  'Service task': '服务任务',
  'Script task': '脚本任务',
  'Business rule task': '业务规则（决策）任务',
  'Send task': '发送任务',
  'Receive task': '接收任务',
  'Manual task': '线下任务',
  'Call activity': '调用子流程',
  'Sub-process (collapsed)': '子流程（折叠）',
  'Sub-process (expanded)': '子流程（展开）',
  'Event sub-process': '事件子流程',
  Transaction: '事务',
  'Exclusive gateway': '排他网关（二选一）',
  'Parallel gateway': '并行网关',
  'Inclusive gateway': '包容网关',
  'Event-based gateway': '事件网关',
  'Complex gateway': '复杂网关',
  'Sequence flow': '顺序流',
  'Default flow': '默认流',
  'Conditional flow': '条件流',
  'Parallel multi-instance': '并行多实例',
  'Sequential multi-instance': '串行多实例',
  Loop: '循环',
  'Toggle non-interrupting': '切换为不中断',
  'Search in diagram': '在图中查找',
  'no parent for {element} in {parent}': '{element} 不能放在 {parent} 中',
  'no shape type specified': '未指定图形类型',
  'flow elements must be children of pools/participants': '流程元素必须位于泳池/参与者内',
  'out of bounds release': '放置位置超出范围',
  'more than {count} child lanes': '超过 {count} 条子泳道',
  'element required': '需要元素',
  'diagram not part of bpmn:Definitions': '图不属于 bpmn:Definitions',
  'no diagram to display': '没有可显示的流程图',
  'no process or collaboration to display': '没有可显示的流程或协作',
  'element {element} referenced by {referenced}#{property} not yet drawn': '元素 {element}（被 {referenced}#{property} 引用）尚未绘制',
  'already rendered {element}': '{element} 已绘制',
  'failed to import {element}': '无法导入 {element}',
};

/** `translate(template, replacements)` as bpmn-js calls it. */
export function translate(template: string, replacements: Record<string, string> = {}): string {
  const text = currentLang() === 'en' ? template : ZH[template] ?? template;
  return text.replace(/{([^}]+)}/g, (_, key: string) => replacements[key] ?? `{${key}}`);
}

/** The module for `additionalModules` of the modeler and viewer. */
export const translateModule = { translate: ['value', translate] };

/** The palette names its tools only for screen readers (`aria-label`): give each the same text as its tooltip. */
export const paletteTooltipsModule = {
  __init__: ['paletteTooltips'],
  paletteTooltips: ['type', class PaletteTooltips {
    static $inject = ['eventBus'];
    constructor(eventBus: { on(events: string[], cb: () => void): void }) {
      // Entries are (re)drawn when the palette opens or changes and before an import completes.
      eventBus.on(['palette.changed', 'import.done'], () => {
        document.querySelectorAll<HTMLElement>('.djs-palette [data-action][aria-label]').forEach((el) => { el.title = el.getAttribute('aria-label') ?? ''; });
      });
    }
  }],
};
