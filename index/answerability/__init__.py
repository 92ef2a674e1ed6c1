"""Does the retrieved evidence answer the question, and which candidate answers it best?

Two small logistic models over features that describe the *match* between the question and the
retrieved units — never particular words — so they keep working when admins add documents. One job
per module:

- :mod:`index.answerability.evidence`: what one search found, as typed candidates (:class:`Candidate`,
  :class:`Evidence`), what each document's own text says about it (:class:`DocEvidence`), the provinces
  and years a question names, and the question's term statistics (:class:`TermStats`);
- :mod:`index.answerability.vetoes`: the features that alone decide that the documents cannot answer
  (a province, year, document or detail they lack), and the orders that put a header or a unit of
  another province after the others;
- :mod:`index.answerability.features`: the question features (answerability) and the candidate
  features (rerank), named in ``QUESTION_FEATURES`` and ``CANDIDATE_FEATURES``;
- :mod:`index.answerability.model`: the two logistic models and the abstention threshold, stored as one
  JSON file of coefficients (``index/answerability.json``).

The words and patterns these read (what a question asks, a header's date line, a period) are in
:mod:`corpus.vocab`.
"""
