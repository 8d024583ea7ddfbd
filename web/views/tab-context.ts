// What every tab of the source page renders for: the source, whether the viewer may edit it, and the
// viewer's CSRF token for the forms it posts.
export interface TabContext {
  /** The source's name, as in /sources/{name}. */
  source: string;
  /** The viewer owns the source or is an admin: edit forms are shown (the server authorises again). */
  canEdit: boolean;
  csrf: string;
}
