export { default } from "./(studio)/not-found";
