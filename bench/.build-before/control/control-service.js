// Panel control inside `hik-arc run`, on with control.enabled: the panel events on the receiver
// stream confirm commands (the API's, and those of `hik-arc panel`, through the audit trail), and
// the control API serves on control.listen. Every request goes through ingest's receiver client
// (one Digest client, one lock-out guard).
import { errorMessage } from '../errors.js';
import { startControlApi } from './control-api.js';
import { ControlStore } from './control-store.js';
import { PanelControl } from './panel-control.js';
export async function startControl(options) {
    const { settings, clock, logger, metrics, tokens } = options;
    const store = new ControlStore({ path: settings.storePath });
    const control = new PanelControl({
        http: options.receiver.http,
        basePath: options.receiver.basePath,
        store,
        settings: settings.control,
        confirmBy: 'events',
        clock,
        logger,
        metrics,
    });
    let api = null;
    try {
        if (tokens !== null) {
            api = await startControlApi({
                listen: settings.listen,
                tls: settings.tls,
                tokens,
                control,
                store,
                clock,
                logger,
                metrics,
            });
        }
    }
    catch (error) {
        store.close();
        throw error;
    }
    return {
        address: api === null ? null : `${api.address.address}:${api.address.port}`,
        observe(event, receivedAt) {
            // A defect here must never cost an alarm its way to the ARC.
            try {
                control.observe(event, receivedAt);
            }
            catch (error) {
                logger.error({ err: errorMessage(error), eventType: event.eventType }, 'control confirmation tap failed; the event goes on to the ARC');
            }
        },
        async stop() {
            await api?.close();
            await control.stop();
            store.close();
        },
    };
}
