"""Films dreamt by a network: ``build.py next-frame-film`` and ``build.py reenact``.

One small U-Net learns an image-to-image map from one film's own footage, then makes a new film by running:

* a **next-frame film** ("Music for 18 CNN layers", ``build.py next-frame-film``, written to
  ``films/<film>-nextframe/``): frames (t-1, t) -> frame t+1, then fed its own output from a start frame; a
  little noise and a little real footage re-injected at each step keep it moving (a plain next-frame net
  settles on a still picture within a few hundred frames);
* a **face re-enacted** (pix2pix / face2face): a drawing of dlib's 68 face landmarks -> the target film's
  frame, then driven by another film's landmarks, moved to the target's face position and scale.

Modules, in the order a run uses them:

* :mod:`.frames`    - footage decoded with ffmpeg to small RGB arrays, and frames encoded back to H.264;
* :mod:`.unet`      - the network (torch);
* :mod:`.trainer`   - batches, L1 + image-gradient loss, AdamW, atomic checkpoints to resume from, progress;
* :mod:`.curve`     - the loss curve image (Pillow);
* :mod:`.dream`     - the feedback loop with noise and re-injection;
* :mod:`.landmarks` - dlib's face landmarks, their drawing and their normalisation to another face;
* :mod:`.output`    - the generated film written as a film of the site (MP4 and index.md);
* :mod:`.command`   - the two commands.

Training state lives in the build cache (namespace ``nextframe``), keyed by the footage's bytes, the network
and training settings and :data:`.trainer.VERSION`: re-running a command continues the same training.
"""
