/**
 * The page the form-render bench drives: `?lib=ours` renders the platform's form runtime, `?lib=rjsf`
 * (and `&live=1` for validation as you type) renders @rjsf/core on the equivalent JSON Schema.
 * It reports the time from the render call to the first painted frame in `window.__firstRender`,
 * and, for every keydown, the time to the next painted frame in `window.__keys`.
 */
import { useLayoutEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import Form from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import { FormController } from '../../src/components/form/controller';
import { FormRenderer } from '../../src/components/form/FormRenderer';
import { benchFields, benchForm, benchSchema, benchUiSchema } from './fixture';

declare global {
  interface Window { __firstRender?: number; __allMounted?: number; __keys: number[]; __ready?: boolean }
}

const params = new URLSearchParams(location.search);
const lib = params.get('lib') ?? 'ours';
const live = params.get('live') === '1';
const fields = benchFields(Number(params.get('n') ?? 500));
window.__keys = [];
if (params.get('debug')) (globalThis as { __feDebug?: boolean }).__feDebug = true;

/** Resolves after the frame that follows the current work has been painted. */
function afterPaint(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve(performance.now());
    ch.port2.postMessage(0);
  }));
}

document.addEventListener('keydown', (e) => {
  const t0 = e.timeStamp || performance.now();
  void afterPaint().then((t1) => window.__keys.push(t1 - t0));
}, true);

/**
 * First render = the first contentful paint (the page shows nothing before the form) minus the moment
 * the render was asked for; both on the page's performance timeline.
 */
function Done({ t0 }: { t0: number }) {
  useLayoutEffect(() => {
    if (params.get('debug')) console.log('commit ms', performance.now() - t0);
    const po = new PerformanceObserver((list) => {
      const fcp = list.getEntries().find((e) => e.name === 'first-contentful-paint');
      if (fcp) { po.disconnect(); window.__firstRender = fcp.startTime - t0; window.__ready = true; }
    });
    po.observe({ type: 'paint', buffered: true });
  }, [t0]);
  return null;
}

function Ours({ t0 }: { t0: number }) {
  const form = benchForm(fields);
  const ctrl = new FormController(fields, form, 'zh-CN');
  return (
    <ConfigProvider locale={zhCN}>
      <FormRenderer ctrl={ctrl} layout={form.layout} lang="zh-CN" idPrefix="b" onAllMounted={() => { window.__allMounted ??= performance.now() - t0; }} />
      <Done t0={t0} />
    </ConfigProvider>
  );
}

function Rjsf({ t0 }: { t0: number }) {
  return (
    <>
      <Form schema={benchSchema(fields)} uiSchema={benchUiSchema(fields)} validator={validator} liveValidate={live} idPrefix="b" showErrorList={false} />
      <Done t0={t0} />
    </>
  );
}

// Let the page settle (fonts, styles) before timing.
setTimeout(() => {
  const t0 = performance.now();
  createRoot(document.getElementById('root')!).render(lib === 'rjsf' ? <Rjsf t0={t0} /> : <Ours t0={t0} />);
}, 50);
