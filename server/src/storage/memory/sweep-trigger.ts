/**
 * When the memory store tidies a map of expiring entries (so anonymous traffic cannot grow
 * memory forever): the returned function, called on each write with the map's size, answers
 * true once the writes since its last true reach that size (at least 1,000). A full scan then
 * costs each write at most one entry's check, whatever the map holds. (A trigger on the size
 * alone, "a multiple of 1,000", rescanned on every write a map whose size sat there, as the
 * sessions map does when each sign-in rotates one session.)
 */
export function sweepTrigger(): (size: number) => boolean {
  let writes = 0;
  return (size) => {
    if (++writes < Math.max(1000, size)) return false;
    writes = 0;
    return true;
  };
}
