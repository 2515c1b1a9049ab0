// Names for the API's shapes, all taken from the generated schema (src/api/schema.d.ts, built
// from openapi.json), so a renamed field breaks the build instead of the screen.

import type { components, paths } from './schema';

type Schemas = components['schemas'];

type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
type JsonContent<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;
type Responses<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { responses: infer R } ? R : never;

/** The JSON body of an operation's success answer (200, 201 or 202). */
export type SuccessBody<P extends keyof paths, M extends keyof paths[P]> = JsonContent<
  Responses<P, M>[Extract<keyof Responses<P, M>, 200 | 201 | 202>]
>;

/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The JSON request body of an operation. */
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

export type Session = SuccessBody<'/api/v1/auth/session', 'post'>;
export type User = Schemas['User'];
export type Contact = Schemas['Contact'];
export type Category = Schemas['Category'];
export type Campaign = Schemas['CampaignRecord'];
export type Launched = Schemas['Launched'];
export type CampaignStats = Schemas['CampaignStats'];
export type CampaignContact = Schemas['CampaignContact'];
export type Message = Schemas['MessageListItem'];
export type ImportReport = Schemas['ImportReport'];
export type ImportLineError = Schemas['LineError'];
export type CampaignFunnel = Schemas['CampaignFunnel'];
export type DailyMonitoring = Schemas['DailyMonitoring'];
export type MonitoringHistory = Schemas['SendingHistory'];
export type HistoryDay = Schemas['HistoryDay'];
export type SendError = Schemas['SendError'];
export type ErrorsByKind = Schemas['ErrorsByKind'];
/** Why a send failed (the engine's FailureKind). */
export type FailureKind = Schemas['FailureKind'];
export type AuditRow = Schemas['AuditRow'];
export type AuditAction = Schemas['AuditAction'];
export type AuditTarget = Schemas['AuditTarget'];
export type ActorKind = Schemas['ActorKind'];
export type Role = Schemas['Role'];
export type VerificationCounts = Schemas['VerificationCounts'];
export type Audience = Schemas['AudiencePreview'];
/** Where a contact's journey in an earlier campaign ended up (R23). */
export type AudienceOutcome = Schemas['AudienceOutcome'];
/** An earlier campaign's outcome set, added to an audience or excluded from it (R23). */
export type AudienceSet = Schemas['AudienceSet'];
/** One category or outcome set of an audience preview, counted on its own. */
export type SourcePreview = Schemas['SourcePreview'];
/** At most `max_message_1` Message 1s per contact in `days` days (R24). */
export type FrequencyCap = Schemas['FrequencyCap'];
export type ConsoleSettings = Schemas['ConsoleSettings'];
export type ContactPage = Schemas['Page_Contact'];
export type CategoryPage = Schemas['Page_Category'];
export type HealthReport = Schemas['HealthReport'];
export type MessagingLimit = Schemas['MessagingLimit'];
export type CatalogItem = Schemas['CatalogItem'];
export type TemplateMessage = Schemas['TemplateMessage'];
export type TemplateParameter = Schemas['TemplateParameter'];
export type TemplateComponent = Schemas['TemplateComponent'];
export type ParameterSource = Schemas['ParameterSource'];
export type ParameterFormat = Schemas['ParameterFormat'];
export type TemplateStatus = Schemas['TemplateStatus'];
export type TemplateCategory = Schemas['TemplateCategory'];
/** A variant's name (R25): A, B, C, D in the order the campaign lists them. */
export type Variant = Schemas['Variant'];
/** A variant of Message 1 as a campaign holds it. */
export type VariantRecord = Schemas['VariantRecord'];
/** A variant of Message 1 as a draft's body gives it. */
export type VariantRequest = Schemas['VariantRequest'];
/** The variants' results side by side, and the winner the server sees, if any. */
export type VariantComparison = Schemas['VariantComparison'];
export type VariantStats = Schemas['VariantStats'];

/**
 * A body as a client writes it: a field the schema allows only as `null` (the phone form not
 * chosen) is left out, which is how openapi-fetch types it too.
 */
type Sendable<T> = T extends object ? { [K in keyof T as [NonNullable<T[K]>] extends [never] ? never : K]: T[K] } : T;

export type ContactInput = Sendable<RequestBody<'/api/v1/contacts', 'post'>>;
export type CampaignInput = RequestBody<'/api/v1/campaigns', 'post'>;
export type AudienceRequest = RequestBody<'/api/v1/campaigns/audience', 'post'>;
export type NewUserInput = RequestBody<'/api/v1/users', 'post'>;
export type UserChanges = RequestBody<'/api/v1/users/{id}', 'put'>;

export type CampaignStatus = Schemas['CampaignState'];
export type JourneyState = Schemas['JourneyState'];
/** A funnel stage whose contacts `GET /campaigns/{id}/contacts?stage=` lists. */
export type FunnelStage = NonNullable<QueryOf<'/api/v1/campaigns/{id}/contacts', 'get'>['stage']>;
export type MessageStatus = Schemas['MessageStatus'];
export type MessageType = Schemas['MessageType'];
export type WhatsAppFilter = NonNullable<QueryOf<'/api/v1/contacts', 'get'>['whatsapp']>;
/** Contacts who opted out (R19) or who accept messages. */
export type ConsentFilter = NonNullable<QueryOf<'/api/v1/contacts', 'get'>['consent']>;
