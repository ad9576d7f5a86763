/* GLSL of the map's three programs: points, thumbnails, and overview pictures blitted to the screen. */

export const DATA_W = 2048; // item data textures: item i at texel (i % DATA_W, i / DATA_W)

export const VS_POINTS = `#version 300 es
in vec2 aA; in vec2 aB; in vec3 aColor; in float aFlag;
uniform vec4 uBA, uBB; uniform float uT; uniform vec3 uCam; uniform vec2 uVP; uniform float uPx; uniform float uHi;
out vec4 vColor;
void main() {
  vec2 w = mix(uBA.xy + aA * (uBA.zw - uBA.xy), uBB.xy + aB * (uBB.zw - uBB.xy), uT);
  vec2 s = (w - uCam.xy) * uCam.z;
  gl_Position = vec4(s * 2.0 / uVP, 0.0, 1.0);
  float on = uHi > 0.5 ? aFlag : 1.0;
  gl_PointSize = uHi > 0.5 && aFlag > 0.5 ? max(uPx * 1.6, 4.0) : uPx;
  vColor = vec4(aColor, on > 0.5 ? 1.0 : 0.18);
}`;
export const FS_POINTS = `#version 300 es
precision mediump float; in vec4 vColor; out vec4 o;
void main() { vec2 d = gl_PointCoord - 0.5; if (dot(d, d) > 0.25) discard; o = vColor; }`;

// Thumbnails are plain triangles, six vertices per item, with the item's data read from textures: software
// GL (SwiftShader) runs instanced draws about ten times slower per item than this. Each item's size is the
// layout's size times its own multiple (scale-<layout>.bin, from the local density of a scatter layout);
// in a lattice layout (uCover) the picture is cropped to its centre square and fills its cell: a mosaic.
export const VS_QUADS = `#version 300 es
uniform highp usampler2D uPosA, uPosB, uAsp, uFlag, uScA, uScB;
uniform vec4 uBA, uBB; uniform float uT; uniform vec3 uCam; uniform vec2 uVP; uniform vec2 uSize; uniform vec2 uScUnit;
uniform float uCover; uniform float uPerRow; uniform float uCell; uniform vec2 uTex; uniform float uHi; uniform int uPageStart;
out vec2 vUV; out vec2 vC; out float vOn;
const vec2 CORNER[6] = vec2[6](vec2(0, 0), vec2(1, 0), vec2(0, 1), vec2(0, 1), vec2(1, 0), vec2(1, 1));
void main() {
  int i = gl_VertexID / 6;
  vec2 c = CORNER[gl_VertexID - i * 6];
  ivec2 at = ivec2(i & ${DATA_W - 1}, i >> ${Math.log2(DATA_W)});
  vec2 a = vec2(texelFetch(uPosA, at, 0).xy) / 65535.0, b = vec2(texelFetch(uPosB, at, 0).xy) / 65535.0;
  vec2 w = mix(uBA.xy + a * (uBA.zw - uBA.xy), uBB.xy + b * (uBB.zw - uBB.xy), uT);
  float sa = uScUnit.x > 0.0 ? float(texelFetch(uScA, at, 0).x) * uScUnit.x : 1.0;
  float sb = uScUnit.y > 0.0 ? float(texelFetch(uScB, at, 0).x) * uScUnit.y : 1.0;
  float size = mix(uSize.x * sa, uSize.y * sb, uT);
  vec2 asp = max(vec2(texelFetch(uAsp, at, 0).xy) / 255.0, vec2(0.02));
  vec2 shown = mix(asp, vec2(1.0), uCover);
  vec2 off = (c - 0.5) * shown * size;
  vec2 s = (w + vec2(off.x, -off.y) - uCam.xy) * uCam.z;
  gl_Position = vec4(s * 2.0 / uVP, 0.0, 1.0);
  float j = float(i - uPageStart);
  vec2 cell = vec2(mod(j, uPerRow), floor(j / uPerRow));
  float m = min(asp.x, asp.y);
  vec2 from = mix(vec2(0.0), (asp - m) * 0.5, uCover), part = mix(asp, vec2(m), uCover);
  vec2 inset = vec2(0.5 / uCell); // half a texel in from the cell's edge: no neighbour bleeds in
  vUV = (cell * uCell + clamp(from + c * part, inset, part + from - inset) * uCell) / uTex;
  vC = c; vOn = uHi > 0.5 ? float(texelFetch(uFlag, at, 0).x) : 1.0;
}`;
export const FS_QUADS = `#version 300 es
precision mediump float; in vec2 vUV; in vec2 vC; in float vOn; uniform sampler2D uTexS; uniform float uFrame; out vec4 o;
void main() {
  vec4 c = texture(uTexS, vUV);
  if (uFrame > 0.5 && (vC.x < 0.06 || vC.x > 0.94 || vC.y < 0.06 || vC.y > 0.94)) c = vec4(0.95, 0.71, 0.31, 1.0);
  o = vec4(c.rgb * (vOn > 0.5 ? 1.0 : 0.25), 1.0);
}`;

// a textured rectangle: an overview picture, or a tile of the pyramid (uUV: the part of the texture shown,
// a quarter of a parent tile standing in for a child not loaded yet)
export const VS_BLIT = `#version 300 es
in vec2 aCorner; uniform vec4 uRect; uniform vec4 uUV; uniform vec3 uCam; uniform vec2 uVP; out vec2 vUV;
void main() {
  vec2 w = mix(uRect.xy, uRect.zw, aCorner);
  gl_Position = vec4((w - uCam.xy) * uCam.z * 2.0 / uVP, 0.0, 1.0);
  vUV = mix(uUV.xy, uUV.zw, aCorner);
}`;
export const FS_BLIT = `#version 300 es
precision mediump float; in vec2 vUV; uniform sampler2D uTexS; out vec4 o;
void main() { o = texture(uTexS, vUV); }`;
