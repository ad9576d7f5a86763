"""Stories: sentences made into films. A curator writes ``stories/<slug>.md`` (front matter, then one
sentence per line or paragraph); the build finds for each sentence the archive image or film keyframe
that means most nearly the same thing (:mod:`.match`, :mod:`.choose`), renders the chosen pictures into a
film with slow pans and dissolves (:mod:`.film`), and publishes it as a film and as a story page."""
