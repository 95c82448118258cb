import { DirectoryInitial1732200000000 } from './directory/1732200000000-directory-initial';
import { DirectoryAppRole1732300000001 } from './directory/1732300000001-directory-app-role';
import { PushNotifications1732400000000 } from './directory/1732400000000-push-notifications';
import { ShardInitial1732200000001 } from './shard/1732200000001-shard-initial';
import { DeviceCursors1732200000002 } from './shard/1732200000002-device-cursors';
import { AppRoleRowSecurity1732300000000 } from './shard/1732300000000-app-role-row-security';
import { ConversationActivityUnindexed1732500000000 } from './shard/1732500000000-conversation-activity-unindexed';

/** Every physical shard runs the same list, in order. */
export const DIRECTORY_MIGRATIONS = [DirectoryInitial1732200000000, DirectoryAppRole1732300000001, PushNotifications1732400000000];
export const SHARD_MIGRATIONS = [ShardInitial1732200000001, DeviceCursors1732200000002, AppRoleRowSecurity1732300000000, ConversationActivityUnindexed1732500000000];
