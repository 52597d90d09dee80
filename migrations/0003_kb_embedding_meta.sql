-- What the knowledge-base index was built with, as key/value pairs. kb-build writes, in the same batch
-- as the vectors:
--   embedding_model             the model name sent to the embedding API (e.g. multilingual-e5-small)
--   embedding_dimensions        the vector size (e.g. 384)
--   embedding_role_query_hint   how queries must be embedded to match (e.g. input_type=query; none if symmetric)
--   embedding_embedder_id       kb-build's embedder id (provider, model and passage role)
-- and refuses to add vectors of another model or size while vectors of this one remain. A keyword-only
-- rebuild of everything removes these keys.
CREATE TABLE kb_index_meta (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
