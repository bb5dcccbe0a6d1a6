// bpmn-auto-layout ships without typings: it lays out a BPMN file that has no diagram.
declare module 'bpmn-auto-layout' {
  export function layoutProcess(xml: string): Promise<string>;
}
