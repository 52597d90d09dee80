// A client written against the TypeScript types that openapi-typescript generates from /openapi.json
// (`./api.js` is generated next to this file by tests/integration/openapi-client.test.mjs, then tsc
// compiles both under `strict`). It signs in, searches, asks the chat and lists CRM clients, and prints
// what it read as one JSON line. Under `strict` every typed assignment below fails to compile when a
// response's schema is missing or loose (its fields become `unknown` or absent), and the @ts-expect-error
// lines fail the build if a wrong field or type were accepted (e.g. were the field typed `any`).
import createClient from 'openapi-fetch';
import type { paths, components } from './api.js';

// Node's globals without @types/node (fetch and console come from the DOM lib, as openapi-fetch expects).
declare const process: { argv: string[] };
const [baseUrl = '', email = '', password = ''] = process.argv.slice(2);
const api = createClient<paths>({ baseUrl });

const login = await api.POST('/api/auth/team/login', { body: { email, password } });
if (!login.data) throw new Error(`login failed: ${login.response.status}`);
const token: string = login.data.access_token;
const expiresIn: number = login.data.expires_in;
const auth = { headers: { Authorization: `Bearer ${token}` } };

const search = await api.POST('/api/search', { body: { query: 'E33G remote worker KITAS', top_k: 3 } });
if (!search.data) throw new Error(`search failed: ${search.response.status}`);
const hits: components['schemas']['SearchHit'][] = search.data.results;
const titles: string[] = hits.map((h) => h.citation.title);
const scores: number[] = hits.map((h) => h.score);
// @ts-expect-error: a search hit has no such field
void hits[0]?.no_such_field;

const chat = await api.POST('/bali-zero/chat', { body: { query: 'How long does an E33G KITAS take?' }, ...auth });
if (!chat.data) throw new Error(`chat failed: ${chat.response.status}`);
const answer: string = chat.data.answer;
const conversationId: string = chat.data.conversation_id;
const sources: string[] = chat.data.sources.map((s) => s.title);
// @ts-expect-error: the answer is a string, not a number
const notANumber: number = chat.data.answer;
void notANumber;

const clients = await api.GET('/crm/clients', { params: { query: { limit: '10' } }, ...auth });
if (!clients.data) throw new Error(`client list failed: ${clients.response.status}`);
const names: string[] = clients.data.clients.map((c) => c.full_name);
const statuses: ('lead' | 'active' | 'inactive' | 'archived')[] = clients.data.clients.map((c) => c.status);
const next: string | null = clients.data.next_cursor;

console.log(JSON.stringify({ expiresIn, titles, scores, answer, conversationId, sources, names, statuses, next }));
