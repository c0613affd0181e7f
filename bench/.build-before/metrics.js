// A small Prometheus registry: counters, gauges and histograms with fixed label names, rendered in
// the text exposition format (version 0.0.4). Every bad input in hik-arc increments a counter here,
// so nothing is dropped without a trace an operator can alert on.
const LABEL_SEPARATOR = '\u0001';
function escapeLabelValue(value) {
    return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
function formatNumber(value) {
    if (Number.isNaN(value))
        return 'NaN';
    if (value === Infinity)
        return '+Inf';
    if (value === -Infinity)
        return '-Inf';
    return String(value);
}
class Metric {
    name;
    help;
    labelNames;
    constructor(name, help, labelNames) {
        this.name = name;
        this.help = help;
        this.labelNames = labelNames;
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name))
            throw new Error(`invalid metric name ${name}`);
    }
    keyOf(labels) {
        if (this.labelNames.length === 0)
            return '';
        let key = '';
        for (let i = 0; i < this.labelNames.length; i++) {
            const labelName = this.labelNames[i];
            const value = labels?.[labelName];
            if (value === undefined)
                throw new Error(`metric ${this.name} needs label ${labelName}`);
            key += (i === 0 ? '' : LABEL_SEPARATOR) + value;
        }
        return key;
    }
    labelText(key, extra) {
        const parts = [];
        if (this.labelNames.length > 0) {
            const values = key.split(LABEL_SEPARATOR);
            this.labelNames.forEach((labelName, i) => {
                parts.push(`${labelName}="${escapeLabelValue(values[i] ?? '')}"`);
            });
        }
        if (extra !== undefined)
            parts.push(extra);
        return parts.length === 0 ? '' : `{${parts.join(',')}}`;
    }
}
export class Counter extends Metric {
    values = new Map();
    inc(labels, by = 1) {
        const key = this.keyOf(labels);
        this.values.set(key, (this.values.get(key) ?? 0) + by);
    }
    get(labels) {
        return this.values.get(this.keyOf(labels)) ?? 0;
    }
    /** An increment for one fixed label set, with the label key worked out once (hot paths). */
    bind(labels) {
        const key = this.keyOf(labels);
        return (by = 1) => {
            this.values.set(key, (this.values.get(key) ?? 0) + by);
        };
    }
    /** Sum over every label combination. */
    total() {
        let sum = 0;
        for (const value of this.values.values())
            sum += value;
        return sum;
    }
    render() {
        const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
        if (this.labelNames.length === 0 && this.values.size === 0)
            lines.push(`${this.name} 0`);
        for (const [key, value] of this.values) {
            lines.push(`${this.name}${this.labelText(key)} ${formatNumber(value)}`);
        }
        return lines;
    }
}
export class Gauge extends Metric {
    values = new Map();
    collector;
    set(labels, value) {
        this.values.set(this.keyOf(labels), value);
    }
    get(labels) {
        return this.values.get(this.keyOf(labels));
    }
    /** Values computed at scrape time (queue depth, oldest age) instead of pushed. */
    collect(collector) {
        this.collector = collector;
    }
    render() {
        if (this.collector) {
            for (const [labels, value] of this.collector())
                this.set(labels, value);
        }
        const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
        for (const [key, value] of this.values) {
            lines.push(`${this.name}${this.labelText(key)} ${formatNumber(value)}`);
        }
        return lines;
    }
}
export class Histogram extends Metric {
    buckets;
    states = new Map();
    constructor(name, help, buckets, labelNames = []) {
        super(name, help, labelNames);
        this.buckets = buckets;
        for (let i = 1; i < buckets.length; i++) {
            if (buckets[i] <= buckets[i - 1]) {
                throw new Error(`histogram ${name} buckets must increase`);
            }
        }
    }
    observe(value, labels) {
        const key = this.keyOf(labels);
        let state = this.states.get(key);
        if (!state) {
            state = { bucketCounts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
            this.states.set(key, state);
        }
        for (let i = 0; i < this.buckets.length; i++) {
            if (value <= this.buckets[i])
                state.bucketCounts[i] = state.bucketCounts[i] + 1;
        }
        state.sum += value;
        state.count += 1;
    }
    count(labels) {
        return this.states.get(this.keyOf(labels))?.count ?? 0;
    }
    render() {
        const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
        for (const [key, state] of this.states) {
            this.buckets.forEach((bound, i) => {
                const le = `le="${formatNumber(bound)}"`;
                lines.push(`${this.name}_bucket${this.labelText(key, le)} ${state.bucketCounts[i] ?? 0}`);
            });
            lines.push(`${this.name}_bucket${this.labelText(key, 'le="+Inf"')} ${state.count}`);
            lines.push(`${this.name}_sum${this.labelText(key)} ${formatNumber(state.sum)}`);
            lines.push(`${this.name}_count${this.labelText(key)} ${state.count}`);
        }
        return lines;
    }
}
export class MetricsRegistry {
    metrics = new Map();
    counter(name, help, labelNames = []) {
        return this.register(name, () => new Counter(name, help, labelNames), Counter);
    }
    gauge(name, help, labelNames = []) {
        return this.register(name, () => new Gauge(name, help, labelNames), Gauge);
    }
    histogram(name, help, buckets, labelNames = []) {
        return this.register(name, () => new Histogram(name, help, buckets, labelNames), Histogram);
    }
    render() {
        const lines = [];
        for (const metric of this.metrics.values())
            lines.push(...metric.render());
        return `${lines.join('\n')}\n`;
    }
    // Stages register their metrics independently; asking twice for one name returns the same metric.
    register(name, create, kind) {
        const existing = this.metrics.get(name);
        if (existing) {
            if (!(existing instanceof kind))
                throw new Error(`metric ${name} already registered with another type`);
            return existing;
        }
        const metric = create();
        this.metrics.set(name, metric);
        return metric;
    }
}
