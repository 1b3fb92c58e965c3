import { useEffect, useMemo } from 'react';

/**
 * An object URL showing an uploaded picture the browser can draw (PNG or
 * JPEG), or null for other files; revoked when the file changes or the
 * component goes.
 */
export function usePictureURL(file: File | null): string | null {
  const url = useMemo(() => (file && /\.(png|jpe?g)$/i.test(file.name) ? URL.createObjectURL(file) : null), [file]);
  useEffect(
    () => () => {
      if (url) {
        URL.revokeObjectURL(url);
      }
    },
    [url]
  );
  return url;
}
