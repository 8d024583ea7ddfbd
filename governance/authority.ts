// Who may do what in the catalog, in one place, so the web (which asks on the server for every action) and
// any other front end give the same answers. Pure: callers look up owners, holders and requesters.
//
// Admins may do everything. Owners of a source (a logical source's are its stream's) approve, reject and
// revoke its access, edit its metadata, crawl it and activate its logical sources. Anybody signed in may
// request access. A grant's holder may extend it (within its level's maximum, which the grant's workflow
// enforces) or give it up; a request may be cancelled by whoever made it or the principal it asks for.
// Nobody signed out may do anything.

export type Action =
  | 'approve'
  | 'reject'
  | 'revoke'
  | 'edit-metadata'
  | 'crawl'
  | 'activate'
  | 'request'
  | 'extend'
  | 'give-up'
  | 'cancel'
  | 'see-all-log';

export const ACTIONS: readonly Action[] = ['approve', 'reject', 'revoke', 'edit-metadata', 'crawl', 'activate', 'request', 'extend', 'give-up', 'cancel', 'see-all-log'];

export interface Viewer {
  name: string;
  admin: boolean;
}

export interface About {
  /** The source's owners (principal names). */
  owners: readonly string[];
  /** The principal a grant or request is for. */
  holder?: string;
  /** Who made the request. */
  requester?: string;
}

export function may(viewer: Viewer | null | undefined, action: Action, about: About = { owners: [] }): boolean {
  if (!viewer || viewer.name === '') return false;
  if (viewer.admin) return true;
  const owner = about.owners.includes(viewer.name);
  switch (action) {
    case 'request':
      return true;
    case 'approve':
    case 'reject':
    case 'revoke':
    case 'edit-metadata':
    case 'crawl':
    case 'activate':
      return owner;
    case 'extend':
    case 'give-up':
      return owner || (about.holder !== undefined && about.holder === viewer.name);
    case 'cancel':
      return (about.requester !== undefined && about.requester === viewer.name) || (about.holder !== undefined && about.holder === viewer.name);
    case 'see-all-log':
      return false;
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}
