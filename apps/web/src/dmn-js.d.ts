/** dmn-js ships no type declarations: the decision-table editor uses this much of its Modeler. */
declare module 'dmn-js/lib/Modeler' {
  interface DmnView {
    type: 'drd' | 'decisionTable' | 'literalExpression' | 'boxedExpression';
    element: { id: string; name?: string };
  }
  export default class DmnModeler {
    constructor(options: { container?: HTMLElement; common?: { additionalModules?: unknown[] }; [key: string]: unknown });
    importXML(xml: string): Promise<{ warnings: { message: string }[] }>;
    saveXML(options?: { format?: boolean }): Promise<{ xml: string }>;
    getViews(): DmnView[];
    getActiveView(): DmnView | undefined;
    getActiveViewer(): { get(name: string): any } | undefined;
    open(view: DmnView): Promise<unknown>;
    getDefinitions(): any;
    on(event: string, fn: (e: any) => void): void;
    destroy(): void;
  }
}
