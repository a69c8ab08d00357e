// dashboard.mjs - drive the edgeward dashboard in headless Chromium.
//
//   node dashboard.mjs hostile-pcap OUT.pcap
//       write a capture with one DHCP client whose hostname is HTML
//       (HOSTILE below), to check that device strings render as text
//   node dashboard.mjs test
//       run the checks; prints "ok - NAME" / "not ok - NAME # why" lines.
//       Environment (set by run.sh):
//         EW_URL          base URL of `edgeward serve`, ending in '/'
//         EW_TOKEN        the API token
//         EW_TRUTH        the simulator's ground-truth file
//         EW_DEVICES      `edgeward devices --store FILE --json` output
//         EW_EXPLAIN      the explanation text of the newest alert
//         EW_APPEND       shell command appending new alerts to the store
//         EW_SHOTS        directory for the screenshots
//         EW_CHROMIUM     browser binary (default /usr/bin/chromium)
import fs from 'node:fs';
import path from 'node:path';
import { execSync } from 'node:child_process';

export const HOSTILE = '<img src=x onerror="window.__ewXss=1">&amp;<b>';
const HOSTILE_MAC = [0x24, 0x0a, 0xc4, 0x5e, 0x11, 0x0d];	// Espressif OUI

// ---- a one-packet-ish capture with a hostile DHCP hostname ---------------
function ipChecksum(b) {
	let s = 0;
	for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
	while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
	return (~s) & 0xffff;
}
function dhcpFrame(msgType, xid) {
	const host = Buffer.from(HOSTILE, 'latin1');
	const opts = Buffer.concat([
		Buffer.from([53, 1, msgType]),
		Buffer.from([50, 4, 192, 168, 1, 150]),
		Buffer.from([12, host.length]), host,
		Buffer.from([55, 4, 1, 3, 6, 15]),
		Buffer.from([255]),
	]);
	const bootp = Buffer.alloc(236 + 4);
	bootp[0] = 1; bootp[1] = 1; bootp[2] = 6;
	bootp.writeUInt32BE(xid, 4);
	bootp.writeUInt16BE(0x8000, 10);
	Buffer.from(HOSTILE_MAC).copy(bootp, 28);
	bootp.writeUInt32BE(0x63825363, 236);
	const udpLen = 8 + bootp.length + opts.length;
	const udp = Buffer.alloc(8);
	udp.writeUInt16BE(68, 0); udp.writeUInt16BE(67, 2); udp.writeUInt16BE(udpLen, 4);
	const ip = Buffer.alloc(20);
	ip[0] = 0x45; ip.writeUInt16BE(20 + udpLen, 2); ip[8] = 64; ip[9] = 17;
	ip.fill(0xff, 16, 20);
	ip.writeUInt16BE(ipChecksum(ip), 10);
	const eth = Buffer.concat([Buffer.alloc(6, 0xff), Buffer.from(HOSTILE_MAC), Buffer.from([0x08, 0x00])]);
	return Buffer.concat([eth, ip, udp, bootp, opts]);
}
function writeHostilePcap(out) {
	const hdr = Buffer.alloc(24);
	hdr.writeUInt32LE(0xa1b2c3d4, 0); hdr.writeUInt16LE(2, 4); hdr.writeUInt16LE(4, 6);
	hdr.writeUInt32LE(65535, 16); hdr.writeUInt32LE(1, 20);
	const recs = [];
	// one hour after the simulated home started (sim --start default)
	[dhcpFrame(1, 0x5e110d01), dhcpFrame(3, 0x5e110d02)].forEach((f, i) => {
		const r = Buffer.alloc(16);
		r.writeUInt32LE(1700003700 + i, 0); r.writeUInt32LE(0, 4);
		r.writeUInt32LE(f.length, 8); r.writeUInt32LE(f.length, 12);
		recs.push(r, f);
	});
	fs.writeFileSync(out, Buffer.concat([hdr, ...recs]));
}

// ---- the test ----------------------------------------------------------------
let passed = 0, failed = 0;
function ok(name) { passed++; console.log(`ok - ${name}`); }
function notOk(name, why) { failed++; console.log(`not ok - ${name}${why ? ' # ' + String(why).replace(/\s+/g, ' ').slice(0, 300) : ''}`); }
async function check(name, fn) {
	try {
		const r = await fn();
		if (r === true || r === undefined) ok(name); else notOk(name, r);
	} catch (e) { notOk(name, e && e.message ? e.message.split('\n')[0] : e); }
}

async function runTest() {
	const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} not set`); return v; };
	const base = env('EW_URL'), token = env('EW_TOKEN'), shots = env('EW_SHOTS');
	const truth = fs.readFileSync(env('EW_TRUTH'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
	const simMacs = truth.filter((t) => t.device).map((t) => t.device.mac.toLowerCase());
	const storeDevs = JSON.parse(fs.readFileSync(env('EW_DEVICES'), 'utf8'));
	const explain = env('EW_EXPLAIN');
	const hostileMac = HOSTILE_MAC.map((b) => b.toString(16).padStart(2, '0')).join(':');
	fs.mkdirSync(shots, { recursive: true });

	let chromium;
	try { ({ chromium } = await import('playwright-core')); } catch (e) {
		notOk('playwright-core loads', e.message); return;
	}
	const browser = await chromium.launch({
		executablePath: process.env.EW_CHROMIUM || '/usr/bin/chromium',
		headless: true,
		// as root without a user namespace sandbox; no background traffic
		// (the machine has no network beyond loopback)
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const shot = async (page, name) => {
		const f = path.join(shots, name);
		await page.screenshot({ path: f, fullPage: true });
		console.log(`# screenshot ${path.resolve(f)}`);
	};
	try {
		// --- a wrong token brings up the token form -----------------------
		{
			const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
			const page = await ctx.newPage();
			let authSent = '';
			page.on('request', (r) => { if (r.url().includes('/api/v1/')) authSent = r.headers().authorization || ''; });
			await page.goto(`${base}#token=not-the-token`);
			await check('wrong token: token form shown', async () => {
				await page.locator('#token-form').waitFor({ state: 'visible', timeout: 10000 });
			});
			await check('wrong token: sent only in the Authorization header', () =>
				authSent === 'Bearer not-the-token' || `header was "${authSent}"`);
			await check('token removed from the address bar', () => !page.url().includes('token') || page.url());
			await check('the form accepts the right token', async () => {
				await page.fill('#token-input', token);
				await page.click('#token-form button[type=submit]');
				await page.locator('#token-form').waitFor({ state: 'hidden', timeout: 5000 });
				await page.locator('.card').first().waitFor({ timeout: 10000 });
			});
			await ctx.close();
		}

		const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const page = await ctx.newPage();
		const problems = [];
		const foreign = [];
		const polls = [];
		page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
		page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
		page.on('request', (r) => {
			if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
			if (r.url().includes('/api/v1/alerts?after_id=')) polls.push(r.headers().authorization || '');
		});

		// --- overview ------------------------------------------------------
		await page.goto(`${base}#token=${encodeURIComponent(token)}`);
		await check('overview: device count and severity cards', async () => {
			await page.locator('.card').first().waitFor({ timeout: 10000 });
			const n = (await page.locator('.card .num').first().textContent()).trim();
			return n === String(storeDevs.length) || `shows ${n}, store has ${storeDevs.length}`;
		});
		await check('overview: alerts-per-day chart drawn', async () => {
			await page.locator('#overview-chart canvas').waitFor({ timeout: 10000 });
			const box = await page.locator('#overview-chart canvas').boundingBox();
			return (box && box.width > 100 && box.height > 50) || `canvas ${JSON.stringify(box)}`;
		});
		await shot(page, 'overview.png');

		// --- inventory -----------------------------------------------------
		await page.goto(`${base}#/devices`);
		await page.locator('#inventory tr.device-row').first().waitFor({ timeout: 10000 });
		const keys = await page.locator('#inventory tr.device-row').evaluateAll((rows) => rows.map((r) => r.dataset.key));
		await check(`inventory lists every simulated device (${simMacs.length})`, () => {
			const miss = simMacs.filter((m) => !keys.includes(m));
			return miss.length === 0 || `missing ${miss.join(' ')}`;
		});
		await check(`inventory lists every stored device (${storeDevs.length})`, () =>
			keys.length === storeDevs.length || `${keys.length} rows`);
		await check('hostile hostname rendered as text', async () => {
			const row = page.locator(`#inventory tr.device-row[data-key="${hostileMac}"]`);
			if (await row.count() !== 1) return `no row for ${hostileMac}`;
			const txt = await row.locator('td').first().locator('a').textContent();
			const imgs = await page.locator('#view img, #view b').count();
			const xss = await page.evaluate(() => window.__ewXss);
			return (txt === HOSTILE && imgs === 0 && xss === undefined) || `text ${JSON.stringify(txt)}, ${imgs} elements, xss ${xss}`;
		});
		await shot(page, 'inventory.png');
		await check('inventory search narrows the table', async () => {
			await page.fill('#device-search', 'camera');
			await page.waitForFunction((n) => document.querySelectorAll('#inventory tr.device-row').length < n, keys.length, { timeout: 5000 });
			const cls = await page.locator('#inventory tr.device-row td:nth-child(2)').allTextContents();
			await page.fill('#device-search', '');
			await page.waitForFunction((n) => document.querySelectorAll('#inventory tr.device-row').length === n, keys.length, { timeout: 5000 });
			return (cls.length >= 1 && cls.every((c) => c.includes('camera'))) || `classes ${cls.join(',')}`;
		});

		// --- device page ----------------------------------------------------
		const camera = truth.find((t) => t.device && t.device.kind === 'camera').device.mac;
		await page.click(`#inventory tr.device-row[data-key="${camera}"]`);
		await check('device page shows its traffic chart', async () => {
			await page.locator('#device-chart canvas').waitFor({ timeout: 10000 });
			const box = await page.locator('#device-chart canvas').boundingBox();
			if (!box || box.width < 100 || box.height < 50) return `canvas ${JSON.stringify(box)}`;
			return true;
		});
		await check('device chart: the packets series is drawn', async () => {
			// pixels in the series colour (#1f6feb) on the chart's canvas
			const n = await page.evaluate(() => {
				const c = document.querySelector('#device-chart canvas');
				const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				let k = 0;
				for (let i = 0; i < d.length; i += 4)
					if (Math.abs(d[i] - 31) < 12 && Math.abs(d[i + 1] - 111) < 12 && Math.abs(d[i + 2] - 235) < 12 && d[i + 3] > 200) k++;
				return k;
			});
			return n > 20 || `${n} series pixels`;
		});
		await check('device page lists its alerts with explanations', async () => {
			await page.locator('#device-alerts .alert-explain').first().waitFor({ timeout: 5000 });
			const t = await page.locator('#device-alerts .alert-explain').first().textContent();
			return (t.length > 10 && t !== '(no explanation)') || t;
		});
		await shot(page, 'device.png');
		await check('hostile device page renders its name as text', async () => {
			await page.goto(`${base}#/device/${encodeURIComponent(hostileMac)}`);
			await page.locator(`#device[data-key="${hostileMac}"] h1`).waitFor({ timeout: 10000 });
			const h = await page.locator('#view h1').textContent();
			const imgs = await page.locator('#view img, #view b').count();
			return (h === HOSTILE && imgs === 0) || `h1 ${JSON.stringify(h)}, ${imgs} elements`;
		});

		// a progress report (the simulated miner goes on for most of the hour)
		await check('the miner\'s progress reports are marked "going on"', async () => {
			const mac = truth.find((t) => t.attack === 'mining').src_mac.toLowerCase();
			const r = await fetch(`${base}api/v1/devices/${encodeURIComponent(mac)}`,
				{ headers: { Authorization: `Bearer ${token}` } });
			const d = await r.json();
			const want = (d.alerts || []).filter((a) => a.event && a.event.episode &&
				a.event.episode.ongoing === true).length;
			await page.goto(`${base}#/device/${encodeURIComponent(mac)}`);
			await page.locator('#device-alerts .alert-item').first().waitFor({ timeout: 10000 });
			const got = await page.locator('#device-alerts .chip.ongoing').count();
			return (want >= 1 && got === want) || `${got} chips, ${want} progress reports`;
		});

		// --- alerts -----------------------------------------------------------
		await page.goto(`${base}#/alerts`);
		await page.locator('#alerts .alert-item').first().waitFor({ timeout: 10000 });
		await check('alerts: the newest alert\'s explanation is visible', async () => {
			const first = page.locator('#alerts .alert-item .alert-explain').first();
			await first.waitFor({ state: 'visible', timeout: 5000 });
			const t = await first.textContent();
			return t === explain || `shows ${JSON.stringify(t)}`;
		});
		await shot(page, 'alerts.png');
		await check('polling sends the Authorization header', async () => {
			const t0 = Date.now();
			while (polls.length === 0 && Date.now() - t0 < 12000) await page.waitForTimeout(250);
			return (polls.length > 0 && polls.every((h) => h === 'Bearer ' + token)) || `${polls.length} polls`;
		});
		await check('new alerts appear without reload', async () => {
			const ids = await page.locator('#alerts .alert-item').evaluateAll((l) => l.map((e) => Number(e.dataset.id)));
			const top = Math.max(...ids);
			await page.evaluate(() => { window.__ewSamePage = 1; });
			execSync(process.env.EW_APPEND, { stdio: 'ignore', shell: '/bin/sh' });
			await page.waitForFunction((m) => [...document.querySelectorAll('#alerts .alert-item')]
				.some((e) => Number(e.dataset.id) > m), top, { timeout: 20000 });
			const same = await page.evaluate(() => window.__ewSamePage);
			return same === 1 || 'the page was reloaded';
		});
		await check('ack marks the alert acknowledged', async () => {
			const item = page.locator('#alerts .alert-item:not(.acked)').first();
			const id = await item.getAttribute('data-id');
			await item.locator('button', { hasText: 'Ack' }).click();
			await page.locator(`#alerts .alert-item.acked[data-id="${id}"]`).waitFor({ timeout: 5000 });
		});
		await check('no console errors or CSP violations', () => problems.length === 0 || problems.join(' | '));
		await check('no request leaves the origin', () => foreign.length === 0 || foreign.join(' '));
		await ctx.close();
	} finally {
		await browser.close();
	}
}

const mode = process.argv[2];
if (mode === 'hostile-pcap') {
	writeHostilePcap(process.argv[3]);
} else if (mode === 'test') {
	try { await runTest(); } catch (e) { notOk('browser session', e && e.message ? e.message.split('\n')[0] : e); }
	console.log(`# ${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
} else {
	console.error('usage: node dashboard.mjs hostile-pcap OUT | test');
	process.exit(2);
}
