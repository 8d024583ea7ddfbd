// Files on the person's own machine (`lake infer`): inference runs in the client process, since the files
// are not anywhere a worker can read them.
export { inferLocalFiles, UnreadableInputError, type InferFileOptions } from '../adapters/formats';
