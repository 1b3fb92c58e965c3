import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React, { useEffect, useRef } from 'react';

/**
 * Markdown rendered by JupyterLab's own Markdown renderer (sanitised, as an
 * untrusted output), or shown as plain text when no renderer is available.
 */
export function Markdown(props: {
  source: string;
  rendermime: IRenderMimeRegistry | null;
  className: string;
}): JSX.Element {
  const { source, rendermime, className } = props;
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = host.current;
    if (!rendermime || !node) {
      return;
    }
    const renderer = rendermime.createRenderer('text/markdown');
    void renderer.renderModel(rendermime.createModel({ data: { 'text/markdown': source }, trusted: false }));
    node.appendChild(renderer.node);
    return () => {
      renderer.node.remove();
      renderer.dispose();
    };
  }, [source, rendermime]);
  return rendermime ? (
    <div ref={host} className={className} />
  ) : (
    <pre className={`${className} mass-mod-plain`}>{source}</pre>
  );
}
