import { DirectoryInitial1732200000000 } from './directory/1732200000000-directory-initial';
import { ShardInitial1732200000001 } from './shard/1732200000001-shard-initial';
import { DeviceCursors1732200000002 } from './shard/1732200000002-device-cursors';

/** Every physical shard runs the same list, in order. */
export const DIRECTORY_MIGRATIONS = [DirectoryInitial1732200000000];
export const SHARD_MIGRATIONS = [ShardInitial1732200000001, DeviceCursors1732200000002];
