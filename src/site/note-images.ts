import type { StoredImage } from '../media/service.js';
import type { Note, Photo } from '../notes/types.js';
import { imageSources, responsiveContentImages } from '../views/images.js';

/** Looks up stored images by the URLs notes use for them, all in one query (MediaService.findImages). */
export type ImageFinder = (urls: Iterable<string>) => Map<string, StoredImage>;

function withImage(photo: Photo, image: StoredImage | undefined): Photo {
  if (!image) return photo;
  return {
    ...photo,
    type: image.mimeType,
    length: image.size,
    ...(image.width && image.height ? { width: image.width, height: image.height } : {}),
    sources: image.sources,
  };
}

/**
 * These notes with what the media library knows of their pictures: each photo's type, byte size,
 * intrinsic size and stored sizes, and in the content HTML the same for each stored image. One
 * lookup for all the notes of a page or feed. Media rows never change once written (a file is
 * stored once under a new name, and is deleted only when no note uses it), so HTML made from them
 * may be cached for as long as the note's revision stays the same.
 */
export function withStoredImages(notes: readonly Note[], find: ImageFinder): Note[] {
  const urls = new Set<string>();
  for (const note of notes) {
    for (const p of note.photos) urls.add(p.url);
    for (const src of imageSources(note.contentHtml)) urls.add(src);
  }
  if (urls.size === 0) return [...notes];
  const images = find(urls);
  if (images.size === 0) return [...notes];
  return notes.map((note) => ({
    ...note,
    photos: note.photos.map((p) => withImage(p, images.get(p.url))),
    contentHtml: responsiveContentImages(note.contentHtml, (src) => images.get(src)),
  }));
}
