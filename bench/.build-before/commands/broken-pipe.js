// A reader that goes away (`hik-arc translate … | head -1`) is no failure: EPIPE on the process's
// stdout or stderr, or on a log destination writing to them, ends the command at once, quietly,
// with exit 0, as Unix tools do. Any other error on those streams is thrown on (an uncaught
// exception, as before).
export function isBrokenPipe(error) {
    const code = error?.code;
    // A write after the first EPIPE fails as "stream destroyed": the same broken pipe.
    return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}
/** An 'error' listener for stdout, stderr and log destinations written to them. */
export function exitQuietlyOnBrokenPipe(error) {
    if (isBrokenPipe(error))
        process.exit(0);
    throw error;
}
/** Installs exitQuietlyOnBrokenPipe on each stream. */
export function endOnBrokenPipe(...streams) {
    for (const stream of streams)
        stream.on('error', exitQuietlyOnBrokenPipe);
}
