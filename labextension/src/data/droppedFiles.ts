/** Files and folders dropped on the import panel or chosen with its pickers, read into files with their paths. */
import { IFolderFile } from './importModel';

/** The files and folders of a drop; read them before the drop event ends. */
export function droppedEntries(transfer: DataTransfer): { files: File[]; folders: FileSystemDirectoryEntry[] } {
  const files: File[] = [];
  const folders: FileSystemDirectoryEntry[] = [];
  for (const item of Array.from(transfer.items)) {
    if (item.kind !== 'file') {
      continue;
    }
    const entry = item.webkitGetAsEntry();
    if (entry?.isDirectory) {
      folders.push(entry as FileSystemDirectoryEntry);
      continue;
    }
    const file = item.getAsFile();
    if (file) {
      files.push(file);
    }
  }
  return { files, folders };
}

/** Every file under a dropped folder, with its path from the folder on ("series/IM0001.dcm"); hidden ones stay. */
export async function folderFiles(folder: FileSystemDirectoryEntry): Promise<IFolderFile[]> {
  const found: IFolderFile[] = [];
  const walk = async (directory: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    const reader = directory.createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) {
        return;
      }
      for (const entry of batch.filter(child => !child.name.startsWith('.'))) {
        const path = `${prefix}/${entry.name}`;
        if (entry.isDirectory) {
          await walk(entry as FileSystemDirectoryEntry, path);
        } else {
          const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
          found.push({ path, file });
        }
      }
    }
  };
  await walk(folder, folder.name);
  return found;
}

/** The files a folder picker chose, grouped by the folder they came from. */
export function pickedFolders(files: File[]): Map<string, IFolderFile[]> {
  const folders = new Map<string, IFolderFile[]>();
  for (const file of files) {
    const path = file.webkitRelativePath || file.name;
    if (path.split('/').some(part => part.startsWith('.'))) {
      continue;
    }
    const top = path.split('/')[0];
    folders.set(top, [...(folders.get(top) ?? []), { path, file }]);
  }
  return folders;
}
