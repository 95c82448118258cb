import { describeServiceRuntime } from '@parley/testing';
import { PresenceAppModule } from '../src/app.module';
import { PresenceConfigSchema } from '../src/presence.config';

describeServiceRuntime('presence', (env) => PresenceAppModule.forRoot(PresenceConfigSchema.parse(env)));
