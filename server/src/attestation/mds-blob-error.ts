/** Why an MDS3 BLOB was refused; the message names the failed step (it ends up in the admin API's MDS status). */
export class MetadataBlobError extends Error {
  override readonly name = 'MetadataBlobError';
}
