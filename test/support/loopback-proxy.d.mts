export declare const PUBLIC_HOST: string;
export interface LoopbackProxy {
  publicUrl: string;
  port: number;
  died: Promise<string>;
  kill(): void;
  close(): Promise<void>;
}
export declare function startLoopbackProxy(targetPort: number, options?: { errorPage?: string }): Promise<LoopbackProxy>;
